import Foundation
import PaymentCore
import Synchronization
import TronKit
import TronNode

/// An in-process chain: broadcasts go to a pool, `produce()` packs the pool into a block at the test clock's time,
/// solid = head − `solidLag`. It counts how many times each (recipient, amount) was paid.
final class FakeChain: Sendable {
    struct Included: Sendable {
        var block: Int64
        var time: Int64
        var result: String?
    }

    struct State: Sendable {
        var head: Int64 = 100
        var times: [Int64: Int64] = [:]
        var pool: [String: Int64] = [:]  // txid → expiration
        var included: [String: Included] = [:]
        var seen: Set<String> = []
        var holdInclusion = false
        var receiptResult: String? = "SUCCESS"
        /// The hot wallet's TRX, the energy its stake has left, and what a transfer's estimate says (the chain does
        /// not charge them: a test sets them).
        var trxSun: Int64 = 1_000_000_000_000
        var stakedEnergy: Int64 = 0
        var energyEstimate: Int64 = 64_285
        /// getaccountresource's answer when set (else EnergyLimit = stakedEnergy and 600 free bytes).
        var resources: [String: Int64]?
        /// Every broadcast transaction's fee_limit.
        var feeLimits: [String: Int64] = [:]
    }

    let clock: TestClock
    let solidLag: Int64 = 2
    let state: Mutex<State>

    init(clock: TestClock) {
        self.clock = clock
        var state = State()
        state.times[100] = clock.now().milliseconds
        self.state = Mutex(state)
    }

    /// Packs every still-valid pooled transaction into a new block (unless inclusion is held).
    func produce(_ count: Int = 1) {
        for _ in 0..<count {
            state.withLock { state in
                state.head += 1
                let time = max(clock.now().milliseconds, (state.times[state.head - 1] ?? 0) + 1)
                state.times[state.head] = time
                guard !state.holdInclusion else { return }
                for (txid, expiration) in state.pool where expiration > time {
                    state.included[txid] = Included(block: state.head, time: time, result: state.receiptResult)
                }
                state.pool = [:]
            }
        }
    }

    func block(_ number: Int64) -> BlockSummary {
        state.withLock { state in
            BlockSummary(
                number: number, id: Array(repeating: UInt8(number & 0xff), count: 32),
                timestamp: state.times[number] ?? 0)
        }
    }

    var head: BlockSummary { block(state.withLock { $0.head }) }
    var solid: BlockSummary { block(state.withLock { $0.head } - solidLag) }
    var transfersIncluded: Int { state.withLock { $0.included.count } }

    func broadcast(_ transaction: SignedTronTransaction) -> BroadcastReply {
        state.withLock { state in
            let txid = transaction.txidHex
            if state.included[txid] != nil || state.pool[txid] != nil {
                return BroadcastReply(code: "DUP_TRANSACTION_ERROR", message: "dup", txid: txid)
            }
            guard transaction.raw.expiration > (state.times[state.head] ?? 0) else {
                return BroadcastReply(code: "TRANSACTION_EXPIRATION_ERROR", message: "expired", txid: txid)
            }
            state.pool[txid] = transaction.raw.expiration
            state.feeLimits[txid] = transaction.raw.feeLimit
            state.seen.insert(txid)
            return BroadcastReply(code: nil, message: "", txid: txid)
        }
    }

    func receipt(_ txid: String, solid: Bool) -> TransactionReceipt? {
        state.withLock { state in
            guard let included = state.included[txid] else { return nil }
            if solid && included.block > state.head - solidLag { return nil }
            return TransactionReceipt(
                txid: txid, blockNumber: included.block, blockTimestamp: included.time, fee: 1, energyUsed: 1,
                bandwidthUsed: 1, contractResult: included.result, failed: false, message: nil)
        }
    }
}

/// A view of the fake chain, honest or with a fault.
final class FakeNode: TronNodeAPI {
    enum Mode: Sendable {
        case honest
        /// Lookups answer {} until the transaction is `blocks` blocks deep.
        case lagging(blocks: Int64)
        /// Lookups always answer {}; the solid block is `aheadMilliseconds` ahead of its real time.
        case lying(aheadMilliseconds: Int64)
        /// The first broadcast of each txID is accepted; every later one is refused with `code`.
        case refuseRebroadcast(code: String)
        /// Lookups answer {"Error": …} (thrown).
        case erroring
    }

    let chain: FakeChain
    let mode: Mode
    let broadcasts = Mutex<[String: Int]>([:])

    init(chain: FakeChain, mode: Mode = .honest) {
        self.chain = chain
        self.mode = mode
    }

    func nowBlock() async throws -> BlockSummary { chain.head }

    func solidBlock() async throws -> BlockSummary {
        var solid = chain.solid
        if case .lying(let ahead) = mode { solid.timestamp += ahead }
        return solid
    }

    func broadcast(_ transaction: SignedTronTransaction) async throws -> BroadcastReply {
        let count = broadcasts.withLock { counts in
            counts[transaction.txidHex, default: 0] += 1
            return counts[transaction.txidHex]!
        }
        if case .refuseRebroadcast(let code) = mode, count > 1 {
            return BroadcastReply(code: code, message: "refused", txid: transaction.txidHex)
        }
        return chain.broadcast(transaction)
    }

    func transactionInfo(txid: String, solid: Bool) async throws -> TransactionReceipt? {
        switch mode {
        case .lying: return nil
        case .erroring: throw TronNodeError.node("Error: class java.lang.Exception : boom")
        case .lagging(let blocks):
            guard let receipt = chain.receipt(txid, solid: solid), chain.head.number - receipt.blockNumber >= blocks
            else { return nil }
            return receipt
        case .honest, .refuseRebroadcast:
            return chain.receipt(txid, solid: solid)
        }
    }

    func transactionExists(txid: String, solid: Bool) async throws -> Bool {
        try await transactionInfo(txid: txid, solid: solid) != nil
    }

    func trc20Balance(owner: TronAddress, contract: TronAddress) async throws -> Int64 { 0 }
    func trxBalance(of address: TronAddress) async throws -> Int64 { chain.state.withLock { $0.trxSun } }
    func chainParameters() async throws -> [String: Int64] { ["getEnergyFee": 100, "getTransactionFee": 1_000] }
    func accountResource(of address: TronAddress) async throws -> [String: Int64] {
        chain.state.withLock { $0.resources ?? ["EnergyLimit": $0.stakedEnergy, "freeNetLimit": 600] }
    }
    func estimateTransferEnergy(
        owner: TronAddress, to: TronAddress, amount: Int64, contract: TronAddress
    ) async throws -> Int64 {
        chain.state.withLock { $0.energyEstimate }
    }
}
