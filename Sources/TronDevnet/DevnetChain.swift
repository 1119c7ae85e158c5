import Crypto
import Foundation
import Logging
import Synchronization
import TronKit
import TronProto

/// The local TRON node's chain: blocks, accounts, a USDT ledger, the broadcast checks of java-tron in their order,
/// and execution inside blocks (SUCCESS, REVERT, OUT_OF_ENERGY). State survives restarts through a JSON file.
public final class DevnetChain: Sendable {
    /// The configuration the chain was started with (solid lag, fees, the USDT contract).
    public let config: DevnetConfig
    let state: Mutex<DevnetState>
    /// The main listener's fault profile (views have their own, see `DevnetView`).
    public let mainFaults: DevnetFaultProfile
    let lastPersisted = Mutex(Date.distantPast)
    let logger: Logger
    /// The devnet's single block producer.
    static let witness = try! TronAddress(bytes: [0x41] + [UInt8](repeating: 0x77, count: 20))

    /// Loads the state file, or starts a chain with a genesis block and the configured funded accounts.
    public init(config: DevnetConfig, logger: Logger, now: Date = Date()) throws {
        self.config = config
        self.logger = logger
        self.mainFaults = DevnetFaultProfile(config.faults)
        var loaded: DevnetState?
        if let path = config.stateFile, FileManager.default.fileExists(atPath: path) {
            loaded = try JSONDecoder().decode(DevnetState.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            logger.info(
                "devnet state loaded", metadata: ["path": "\(path)", "head": "\(loaded!.blocks.last?.number ?? 0)"])
        }
        var state = loaded ?? DevnetState()
        if state.blocks.isEmpty {
            for account in config.genesis {
                let address = try TronAddress(base58: account.address)
                state.trx[address.hex, default: 0] += account.trxSun
                state.usdt[address.hex, default: 0] += account.usdtUnits
            }
            state.blocks.append(
                try Self.makeBlock(
                    number: 0, parent: [UInt8](repeating: 0, count: 32), timestamp: now.milliseconds, txids: []))
        }
        self.state = Mutex(state)
        try persist()
    }

    // MARK: Reads

    /// A block as the HTTP API shows it.
    public struct BlockView: Sendable {
        /// The block number; the genesis block is 0.
        public var number: Int64
        /// The block id, 64 hex characters (the number in its first 8 bytes).
        public var id: String
        /// The parent block's id, 64 hex characters (zeros for the genesis block).
        public var parentHash: String
        /// Milliseconds since the epoch (a view may shift it by its clock offset).
        public var timestamp: Int64
        /// The header's txTrieRoot, 64 hex characters.
        public var txTrieRoot: String
        /// The transactions the block includes, in order.
        public var transactions: [TransactionView]
    }

    /// A transaction the chain holds, with its block once included.
    public struct TransactionView: Sendable {
        /// The txID, 64 lowercase hex characters.
        public var txid: String
        /// The transaction as broadcast (its signed bytes verbatim).
        public var signed: SignedTronTransaction
        /// The including block, nil while pending.
        public var blockNumber: Int64?
        var receipt: DevnetState.Receipt?
    }

    /// The head block number.
    public var headNumber: Int64 { state.withLock { $0.blocks.last!.number } }
    /// The latest solid block number: head − `config.solidLag`, at least 0.
    public var solidNumber: Int64 { state.withLock { max(0, $0.blocks.last!.number - config.solidLag) } }

    /// The block at `number`, nil beyond the head or below 0.
    public func block(number: Int64) -> BlockView? {
        state.withLock { state in
            guard number >= 0, number < Int64(state.blocks.count) else { return nil }
            return view(state.blocks[Int(number)], in: state)
        }
    }

    /// The head block.
    public func head() -> BlockView { block(number: headNumber)! }
    /// The latest solid block.
    public func solid() -> BlockView { block(number: solidNumber)! }

    /// A transaction that is in a block (pending ones are unknown to queries, as on java-tron).
    public func transaction(id: String, solidOnly: Bool = false) -> TransactionView? {
        state.withLock { state in
            guard let stored = state.transactions[id.lowercased()], let number = stored.blockNumber else { return nil }
            if solidOnly && number > max(0, state.blocks.last!.number - config.solidLag) { return nil }
            return transactionView(stored)
        }
    }

    /// `address`'s TRX (sun) and USDT (base units), and whether the account exists (was ever credited).
    public func balances(of address: TronAddress) -> (trx: Int64, usdt: Int64, exists: Bool) {
        state.withLock { state in
            (
                state.trx[address.hex] ?? 0, state.usdt[address.hex] ?? 0,
                state.trx[address.hex] != nil || state.usdt[address.hex] != nil
            )
        }
    }

    // MARK: Admin

    /// Credits `address` (`POST /admin/mint`) and persists the state. Throws when the state file cannot be written.
    public func mint(_ address: TronAddress, trxSun: Int64, usdtUnits: Int64) throws {
        state.withLock { state in
            state.trx[address.hex, default: 0] += trxSun
            state.usdt[address.hex, default: 0] += usdtUnits
        }
        try persist()
    }

    /// The main listener's faults.
    public var currentFaults: DevnetFaults { mainFaults.current }
    /// Replaces the main listener's fault profile.
    public func setFaults(_ new: DevnetFaults) { mainFaults.set(new) }

    // MARK: Blocks

    /// Produces the next block at `now` with the pending transactions that may go in, executing each.
    @discardableResult
    public func produceBlock(at now: Date = Date()) throws -> Int64 {
        let number = try state.withLock { state -> Int64 in
            let parent = state.blocks.last!
            let number = parent.number + 1
            let timestamp = max(now.milliseconds, parent.timestamp + 1)
            var included: [String] = []
            var waiting: [DevnetState.Pending] = []
            for pending in state.pending {
                guard pending.includeAfter < number else {
                    waiting.append(pending)
                    continue
                }
                guard var stored = state.transactions[pending.txid],
                    let signed = try? SignedTronTransaction(transactionBytes: Hex.decode(stored.transactionHex) ?? [])
                else { continue }
                if signed.raw.expiration <= parent.timestamp {
                    state.transactions[pending.txid] = nil  // expired before it could be packed
                    continue
                }
                guard let receipt = execute(signed, blockTimestamp: timestamp, state: &state) else {
                    state.transactions[pending.txid] = nil  // no longer valid against this block's state
                    continue
                }
                stored.blockNumber = number
                stored.receipt = receipt
                state.transactions[pending.txid] = stored
                included.append(pending.txid)
            }
            state.pending = waiting
            state.blocks.append(
                try Self.makeBlock(
                    number: number, parent: Hex.decode(parent.id)!, timestamp: timestamp, txids: included))
            return number
        }
        try persist(throttled: true)
        return number
    }

    static func makeBlock(number: Int64, parent: [UInt8], timestamp: Int64, txids: [String]) throws -> DevnetState.Block
    {
        let root = Array(SHA256.hash(data: txids.flatMap { Hex.decode($0) ?? [] }))
        let header = Protocol_BlockHeader.raw.with {
            $0.number = number
            $0.timestamp = timestamp
            $0.parentHash = Data(parent)
            $0.txTrieRoot = Data(root)
            $0.witnessAddress = Data(witness.bytes)
            $0.version = 30
        }
        return DevnetState.Block(
            number: number, id: Hex.encode(try TronBlockID.make(headerRaw: header)), parentHash: Hex.encode(parent),
            timestamp: timestamp, txTrieRoot: Hex.encode(root), txids: txids)
    }

    /// Writes the state file (atomically, by rename). Encoding happens outside the lock on a copy, so requests are
    /// not held up by it; with `throttled`, at most once a second (a crash loses at most that second of blocks).
    func persist(throttled: Bool = false) throws {
        guard let path = config.stateFile else { return }
        let now = Date()
        let snapshot: DevnetState? = state.withLock { state in
            if throttled, now.timeIntervalSince(lastPersisted.withLock { $0 }) < 1 { return nil }
            lastPersisted.withLock { $0 = now }
            return state
        }
        guard let snapshot else { return }
        let data = try JSONEncoder().encode(snapshot)
        let temporary = path + ".tmp-\(UUID().uuidString)"
        try data.write(to: URL(fileURLWithPath: temporary))
        _ = rename(temporary, path)
    }

    private func view(_ block: DevnetState.Block, in state: DevnetState) -> BlockView {
        BlockView(
            number: block.number, id: block.id, parentHash: block.parentHash, timestamp: block.timestamp,
            txTrieRoot: block.txTrieRoot,
            transactions: block.txids.compactMap { state.transactions[$0].flatMap(transactionView) })
    }

    private func transactionView(_ stored: DevnetState.Transaction) -> TransactionView? {
        guard let signed = try? SignedTronTransaction(transactionBytes: Hex.decode(stored.transactionHex) ?? []) else {
            return nil
        }
        return TransactionView(
            txid: stored.txid, signed: signed, blockNumber: stored.blockNumber, receipt: stored.receipt)
    }
}

extension Date {
    var milliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded(.down)) }
}

/// A USDT transfer that happened in a block (for tests that count payments per recipient).
public struct DevnetTransfer: Sendable, Equatable {
    /// The transfer's txID, 64 hex characters.
    public var txid: String
    /// The block that executed it.
    public var blockNumber: Int64
    /// The sender (the transaction owner).
    public var from: TronAddress
    /// The recipient.
    public var to: TronAddress
    /// USDT base units moved.
    public var amountUnits: Int64
}

extension DevnetChain {
    /// Every successful USDT transfer in block order, optionally only those to `recipient`.
    public func usdtTransfers(to recipient: TronAddress? = nil) -> [DevnetTransfer] {
        state.withLock { state in
            state.blocks.flatMap { block in
                block.txids.compactMap { txid -> DevnetTransfer? in
                    guard let log = state.transactions[txid]?.receipt?.transferLog,
                        let from = Hex.decode(log.from).flatMap({ try? TronAddress(bytes: $0) }),
                        let to = Hex.decode(log.to).flatMap({ try? TronAddress(bytes: $0) }),
                        recipient == nil || recipient == to
                    else { return nil }
                    return DevnetTransfer(
                        txid: txid, blockNumber: block.number, from: from, to: to, amountUnits: log.amount)
                }
            }
        }
    }
}
