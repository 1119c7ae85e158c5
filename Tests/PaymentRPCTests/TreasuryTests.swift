import Foundation
import GRPCCore
import GRPCInProcessTransport
import Logging
import PaymentAPI
import PaymentCore
import PaymentRPC
import PaymentStore
import Synchronization
import Testing
import TronKit
import TronNode

/// The fake chain seen through TreasuryService's node calls; the first broadcast can go unanswered.
final class FakeTreasuryNode: TronTreasuryAPI {
    let base: FakeNode
    let unansweredBroadcasts = Mutex(0)

    init(_ base: FakeNode) { self.base = base }

    func nowBlock() async throws -> BlockSummary { try await base.nowBlock() }
    func solidBlock() async throws -> BlockSummary { try await base.solidBlock() }
    func broadcast(_ transaction: SignedTronTransaction) async throws -> BroadcastReply {
        let unanswered = unansweredBroadcasts.withLock { count in
            defer { count = max(0, count - 1) }
            return count > 0
        }
        if unanswered {
            // The node took the bytes but the answer was lost.
            _ = try await base.broadcast(transaction)
            throw TronNodeError.unreachable("timed out")
        }
        return try await base.broadcast(transaction)
    }
    func transactionInfo(txid: String, solid: Bool) async throws -> TransactionReceipt? {
        try await base.transactionInfo(txid: txid, solid: solid)
    }
    func transactionExists(txid: String, solid: Bool) async throws -> Bool {
        try await base.transactionExists(txid: txid, solid: solid)
    }
    func trc20Balance(owner: TronAddress, contract: TronAddress) async throws -> Int64 { 7_000_000 }
    func trxBalance(of address: TronAddress) async throws -> Int64 { try await base.trxBalance(of: address) }
    func chainParameters() async throws -> [String: Int64] { try await base.chainParameters() }
    func accountResource(of address: TronAddress) async throws -> [String: Int64] {
        try await base.accountResource(of: address)
    }
    func estimateTransferEnergy(owner: TronAddress, to: TronAddress, amount: Int64, contract: TronAddress)
        async throws -> Int64
    { try await base.estimateTransferEnergy(owner: owner, to: to, amount: amount, contract: contract) }
    func stakeAccount(of address: TronAddress) async throws -> StakeAccount {
        var account = StakeAccount()
        account.balanceSun = try await base.trxBalance(of: address)
        return account
    }
    func delegations(from owner: TronAddress, limit: Int) async throws -> [ResourceDelegation] { [] }
    func energyPrices() async throws -> String { "0:420,1000:210,2000:100" }
    func nodeVersion() async throws -> String { "4.8.0" }
    func estimateTransfer(owner: TronAddress, to: TronAddress, amount: Int64, contract: TronAddress)
        async throws -> TransferEstimate
    {
        TransferEstimate(
            energy: try await base.estimateTransferEnergy(owner: owner, to: to, amount: amount, contract: contract),
            penalty: 0)
    }
}

/// A treasury desk and follower over the in-process server's ledger and the fake chain.
struct TreasuryHarness {
    let server: InProcessServer
    let chain: FakeChain
    let node: FakeTreasuryNode
    let desk: TreasuryDesk
    let settings: ProcessorSettings
    let logger = Logger(label: "treasury-test")

    static let caller = CallerIdentity(plane: "ops", service: "treasury-admin")

    static func with(_ body: (TreasuryHarness) async throws -> Void) async throws {
        try await InProcessServer.with { server in
            let chain = FakeChain(clock: server.clock)
            chain.state.withLock { $0.receiptResult = nil }  // a system contract's receipt has no contract result
            var settings = ProcessorSettings(
                usdtContract: try TronAddress(base58: "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"))
            settings.expirationMilliseconds = 3_000
            settings.lookupInterval = .zero
            let node = FakeTreasuryNode(FakeNode(chain: chain))
            var deskSettings = TreasuryDesk.Settings(network: "devnet", usdtContract: settings.usdtContract)
            deskSettings.expirationMilliseconds = settings.expirationMilliseconds
            let desk = TreasuryDesk(
                ledger: server.ledger, node: node, key: TronPrivateKey.generate(), settings: deskSettings,
                clock: server.clock, logger: Logger(label: "treasury-test"))
            try await body(TreasuryHarness(server: server, chain: chain, node: node, desk: desk, settings: settings))
        }
    }

    func follower(_ mode: FakeNode.Mode = .honest) -> TreasuryFollower {
        TreasuryFollower(
            ledger: server.ledger, node: FakeNode(chain: chain, mode: mode), settings: settings, clock: server.clock,
            logger: logger)
    }

    /// One simulated second per round: the clock moves, a block is produced, the follower looks.
    func drive(rounds: Int, _ follower: TreasuryFollower? = nil) async throws {
        let follower = follower ?? self.follower()
        for _ in 0..<rounds {
            server.clock.advance(by: 1)
            chain.produce()
            try await follower.round()
        }
    }

    func status(_ id: String) async throws -> TreasuryOperation.Status? {
        try await server.ledger.treasuryOperation(id: id)?.status
    }
}

@Suite("Treasury: stake operations signed here, stored before they are sent, followed to solid, once")
struct TreasuryTests {
    static let freeze = StakeOperation.freeze(amountSun: 20_000_000_000, resource: .energy)

    @Test("a stake is stored, sent once, and confirmed from its solid receipt (no contract result)")
    func stakeLandsOnce() async throws {
        try await TreasuryHarness.with { harness in
            let created = try await harness.desk.submit(
                Self.freeze, idempotencyKey: "s-1", caller: TreasuryHarness.caller)
            #expect(!created.isReplay && created.value.status == .broadcast)
            let replay = try await harness.desk.submit(
                Self.freeze, idempotencyKey: "s-1", caller: TreasuryHarness.caller)
            #expect(replay.isReplay && replay.value.id == created.value.id)
            try await harness.drive(rounds: 6)
            let operation = try #require(try await harness.server.ledger.treasuryOperation(id: created.value.id))
            #expect(operation.status == .confirmed && operation.blockNumber != nil)
            // One transaction ever reached the node: the replay's signature never left the process.
            #expect(harness.chain.state.withLock { $0.seen } == [created.value.txid])
            #expect(harness.node.base.broadcasts.withLock { $0 } == [created.value.txid: 1])
            let raw = try #require(harness.chain.state.withLock { $0.included[created.value.txid] })
            #expect(raw.result == nil)
        }
    }

    @Test("an unanswered first send stays SIGNED; the follower sends the same bytes, which land once")
    func unansweredFirstSend() async throws {
        try await TreasuryHarness.with { harness in
            harness.node.unansweredBroadcasts.withLock { $0 = 1 }
            harness.chain.state.withLock { $0.holdInclusion = true }
            let created = try await harness.desk.submit(
                Self.freeze, idempotencyKey: "s-2", caller: TreasuryHarness.caller)
            #expect(created.value.status == .signed)
            harness.chain.state.withLock { $0.holdInclusion = false }
            try await harness.drive(rounds: 6)
            #expect(try await harness.status(created.value.id) == .confirmed)
            #expect(harness.chain.state.withLock { $0.seen } == [created.value.txid])
        }
    }

    @Test("a transaction that provably never landed fails its operation; nothing is ever signed again for it")
    func expiredFails() async throws {
        try await TreasuryHarness.with { harness in
            harness.chain.state.withLock { $0.holdInclusion = true }
            let created = try await harness.desk.submit(
                Self.freeze, idempotencyKey: "s-3", caller: TreasuryHarness.caller)
            // Dropped: the pool is emptied once the block after its expiration is produced.
            harness.server.clock.advance(by: 10)
            harness.chain.state.withLock { $0.holdInclusion = false }
            try await harness.drive(rounds: 8)
            let operation = try #require(try await harness.server.ledger.treasuryOperation(id: created.value.id))
            #expect(operation.status == .failed)
            #expect(operation.failureReason?.contains("expired without landing") == true)
            #expect(harness.chain.state.withLock { $0.seen } == [created.value.txid])
            #expect(harness.chain.transfersIncluded == 0)
        }
    }

    @Test("a lying node ({} for every lookup, its solid block far ahead) cannot fail an operation that landed")
    func lyingNodeCannotFail() async throws {
        try await TreasuryHarness.with { harness in
            let created = try await harness.desk.submit(
                Self.freeze, idempotencyKey: "s-4", caller: TreasuryHarness.caller)
            try await harness.drive(rounds: 12, harness.follower(.lying(aheadMilliseconds: 600_000)))
            #expect(try await harness.status(created.value.id) == .broadcast)
            try await harness.drive(rounds: 2)
            #expect(try await harness.status(created.value.id) == .confirmed)
        }
    }

    @Test("a delegation to the hot wallet itself and a reused key are refused before anything is sent")
    func refusals() async throws {
        try await TreasuryHarness.with { harness in
            let selfDelegation = StakeOperation.delegate(
                amountSun: 1_000_000, resource: .energy, receiver: harness.desk.address, lockPeriodBlocks: nil)
            await #expect(throws: PaymentError.self) {
                _ = try await harness.desk.submit(selfDelegation, idempotencyKey: "d-1", caller: TreasuryHarness.caller)
            }
            _ = try await harness.desk.submit(Self.freeze, idempotencyKey: "k", caller: TreasuryHarness.caller)
            do {
                _ = try await harness.desk.submit(
                    .freeze(amountSun: 1_000_000, resource: .energy), idempotencyKey: "k",
                    caller: TreasuryHarness.caller)
                Issue.record("a reused key was accepted")
            } catch let error as PaymentError {
                #expect(error.code == .failedPrecondition)
            }
            #expect(harness.node.base.broadcasts.withLock { $0.count } == 1)
        }
    }

    @Test("the hot wallet's coverage: energy first at the floor's energy, then TRX at the worst burn")
    func coverage() async throws {
        try await TreasuryHarness.with { harness in
            harness.chain.state.withLock {
                $0.trxSun = 100_000_000
                $0.stakedEnergy = 400_000
            }
            let figures = try await harness.desk.hotWallet()
            #expect(figures.coverage.energyPerPayout == 130_285)
            #expect(figures.coverage.byEnergy == 3, "400,000 / 130,285")
            // 130,285 × 100 × 1.2 + 345 × 1,000 = 15,979,200 sun a payout.
            #expect(figures.coverage.byTRX == 6 && figures.coverage.total == 9)
            let network = try await harness.desk.network()
            #expect(network.currentEnergyPrice == 100, "the last entry of getenergyprices")
            #expect(network.nodeVersion == "4.8.0")
        }
    }

    @Test("TreasuryService: only treasury.allowed_callers; no identity outside development is UNAUTHENTICATED")
    func authorization() async throws {
        try await TreasuryHarness.with { harness in
            let service = TreasuryService(
                desk: harness.desk,
                authorization: AdminAuthorization(
                    allowedCallers: ["ops/treasury-admin"], allowsAnonymous: false, service: "TreasuryService",
                    configKey: "treasury.allowed_callers"))
            let transport = InProcessTransport()
            let server = GRPCServer(transport: transport.server, services: [service])
            try await withGRPCClient(transport: transport.client) { client in
                try await withThrowingDiscardingTaskGroup { group in
                    group.addTask { try await server.serve() }
                    defer { server.beginGracefulShutdown() }
                    let treasury = Lucid_Payment_V1_TreasuryService.Client(wrapping: client)
                    let stake = Lucid_Payment_V1_StakeRequest.with {
                        $0.idempotencyKey = "a-1"
                        $0.amountSun = 5_000_000
                        $0.resource = .energy
                    }
                    for (metadata, code) in [
                        (InProcessServer.caller("payment-admin"), RPCError.Code.permissionDenied),
                        (Metadata(), .unauthenticated),
                    ] {
                        do {
                            _ = try await treasury.stake(stake, metadata: metadata)
                            Issue.record("a caller not allowed staked")
                        } catch let error as RPCError {
                            #expect(error.code == code)
                            if code == .permissionDenied {
                                #expect(error.message.contains("treasury.allowed_callers"))
                            }
                        }
                    }
                    #expect(harness.node.base.broadcasts.withLock { $0.isEmpty })
                    let allowed = try await treasury.stake(stake, metadata: InProcessServer.caller("treasury-admin"))
                    #expect(allowed.requestedBy == "ops/treasury-admin" && allowed.kind == .stake)
                    do {
                        _ = try await treasury.stake(
                            .with {
                                $0.idempotencyKey = "a-2"
                                $0.amountSun = 5_000_000
                                $0.resource = .UNRECOGNIZED(7)
                            },
                            metadata: InProcessServer.caller("treasury-admin"))
                        Issue.record("a stake for an unknown resource was accepted")
                    } catch let error as RPCError {
                        #expect(error.code == .invalidArgument && error.message.contains("resource"))
                    }
                }
            }
        }
    }
}
