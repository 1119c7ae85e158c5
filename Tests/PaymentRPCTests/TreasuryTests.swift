import Foundation
import GRPCCore
import GRPCInProcessTransport
import Logging
import PaymentAPI
import PaymentCore
@testable import PaymentRPC
import PaymentStore
import SwiftProtobuf
import Synchronization
import Testing
import TronKit
import TronNode

/// The fake chain seen through TreasuryService's node calls; the first broadcast can go unanswered.
final class FakeTreasuryNode: TronTreasuryAPI {
    let base: FakeNode
    let unansweredBroadcasts = Mutex(0)
    /// The next broadcast is refused with this code (nothing reaches the chain).
    let refuseNext = Mutex<String?>(nil)
    /// Every call throws: the node is away.
    let down = Mutex(false)
    /// Absurd figures: Int64.max prices and amounts, times far beyond any date.
    let hostile = Mutex(false)

    init(_ base: FakeNode) { self.base = base }

    func nowBlock() async throws -> BlockSummary {
        if down.withLock({ $0 }) { throw TronNodeError.unreachable("connection refused") }
        var head = try await base.nowBlock()
        if hostile.withLock({ $0 }) { head.timestamp = .max - 5 }
        return head
    }
    func solidBlock() async throws -> BlockSummary {
        if down.withLock({ $0 }) { throw TronNodeError.unreachable("connection refused") }
        return try await base.solidBlock()
    }
    func broadcast(_ transaction: SignedTronTransaction) async throws -> BroadcastReply {
        if let code = refuseNext.withLock({ code in
            defer { code = nil }; return code
        }) {
            return BroadcastReply(code: code, message: "refused", txid: transaction.txidHex)
        }
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
    func chainParameters() async throws -> [String: Int64] {
        hostile.withLock { $0 } ? ["getEnergyFee": .max, "getTransactionFee": .max] : try await base.chainParameters()
    }
    func accountResource(of address: TronAddress) async throws -> [String: Int64] {
        try await base.accountResource(of: address)
    }
    func estimateTransferEnergy(owner: TronAddress, to: TronAddress, amount: Int64, contract: TronAddress)
        async throws -> Int64
    { try await base.estimateTransferEnergy(owner: owner, to: to, amount: amount, contract: contract) }
    func stakeAccount(of address: TronAddress) async throws -> StakeAccount {
        var account = StakeAccount()
        account.balanceSun = try await base.trxBalance(of: address)
        if hostile.withLock({ $0 }) {
            account.stakedForEnergySun = StakeAccount.maxSun
            account.unstaking = [.init(resource: .energy, amountSun: .max, expiresAtMilliseconds: .max)]
        }
        return account
    }
    func delegations(from owner: TronAddress, limit: Int) async throws -> [ResourceDelegation] { [] }
    func energyPrices() async throws -> String { "0:420,1000:210,2000:100" }
    func nodeVersion() async throws -> String { "4.8.0" }
    func estimateTransfer(owner: TronAddress, to: TronAddress, amount: Int64, contract: TronAddress)
        async throws -> TransferEstimate
    {
        if hostile.withLock({ $0 }) { return TransferEstimate(energy: .max, penalty: .max) }
        return TransferEstimate(
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
    let breaker: BreakerController
    let settings: ProcessorSettings
    let logger = Logger(label: "treasury-test")

    static let caller = CallerIdentity(plane: "ops", service: "treasury-admin")

    static func with(
        configure: (inout TreasuryDesk.Settings) -> Void = { _ in }, _ body: (TreasuryHarness) async throws -> Void
    ) async throws {
        try await InProcessServer.with { server in
            let chain = FakeChain(clock: server.clock)
            chain.state.withLock { $0.receiptResult = nil }  // a system contract's receipt has no contract result
            var settings = ProcessorSettings(
                usdtContract: try TronAddress(base58: "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"))
            settings.expirationMilliseconds = 10_000
            settings.lookupInterval = .zero
            let node = FakeTreasuryNode(FakeNode(chain: chain))
            var deskSettings = TreasuryDesk.Settings(network: "devnet", usdtContract: settings.usdtContract)
            deskSettings.step = settings.step
            deskSettings.expirationMilliseconds = settings.expirationMilliseconds
            configure(&deskSettings)
            let breaker = try await BreakerController(
                policy: CircuitBreakerPolicy(), ledger: server.ledger, clock: server.clock,
                logger: Logger(label: "treasury-test"))
            let desk = TreasuryDesk(
                ledger: server.ledger, node: node, key: TronPrivateKey.generate(), settings: deskSettings,
                breaker: breaker, clock: server.clock, logger: Logger(label: "treasury-test"))
            try await body(
                TreasuryHarness(
                    server: server, chain: chain, node: node, desk: desk, breaker: breaker, settings: settings))
        }
    }

    /// A follower through the desk's own node (so its sends are counted with the desk's), or through a node of
    /// `mode`.
    func follower(_ mode: FakeNode.Mode? = nil) -> TreasuryFollower {
        TreasuryFollower(
            ledger: server.ledger, node: mode.map { FakeNode(chain: chain, mode: $0) } ?? node, settings: settings,
            clock: server.clock, firstSendGrace: .seconds(2), logger: logger)
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
            harness.server.clock.advance(by: 20)
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
            do {
                _ = try await harness.desk.submit(selfDelegation, idempotencyKey: "d-1", caller: TreasuryHarness.caller)
                Issue.record("a delegation to the hot wallet itself was accepted")
            } catch let error as PaymentError {
                #expect(error.code == .invalidArgument && error.field == "receiver_address")
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

    @Test("a first send refused for a while (SERVER_BUSY) stays SIGNED and lands; one refused for good fails")
    func firstSendRefusals() async throws {
        try await TreasuryHarness.with { harness in
            harness.node.refuseNext.withLock { $0 = "SERVER_BUSY" }
            let busy = try await harness.desk.submit(
                Self.freeze, idempotencyKey: "busy", caller: TreasuryHarness.caller)
            #expect(busy.value.status == .signed && busy.value.failureReason == nil)
            try await harness.drive(rounds: 6)
            #expect(try await harness.status(busy.value.id) == .confirmed)
            harness.node.refuseNext.withLock { $0 = "CONTRACT_VALIDATE_ERROR" }
            let refused = try await harness.desk.submit(
                .unfreeze(amountSun: 1, resource: .energy), idempotencyKey: "refused", caller: TreasuryHarness.caller)
            #expect(refused.value.status == .failed)
            #expect(refused.value.failureReason?.contains("CONTRACT_VALIDATE_ERROR") == true)
            try await harness.drive(rounds: 4)
            #expect(harness.chain.state.withLock { $0.seen } == [busy.value.txid], "the refused bytes never landed")
        }
    }

    @Test("a SIGERROR opens the breaker, and an open breaker or signing off refuses before anything is signed")
    func breakerAndSigningSwitch() async throws {
        try await TreasuryHarness.with { harness in
            harness.node.refuseNext.withLock { $0 = "SIGERROR" }
            let refused = try await harness.desk.submit(
                Self.freeze, idempotencyKey: "sig", caller: TreasuryHarness.caller)
            #expect(refused.value.status == .failed)
            #expect(harness.breaker.current().state == .open)
            do {
                _ = try await harness.desk.submit(Self.freeze, idempotencyKey: "next", caller: TreasuryHarness.caller)
                Issue.record("signed while the breaker was open")
            } catch let error as PaymentError {
                #expect(error.code == .unavailable && error.message.contains("circuit breaker"))
            }
            // A repeat of a stored request is still answered: it signs nothing.
            let replay = try await harness.desk.submit(
                Self.freeze, idempotencyKey: "sig", caller: TreasuryHarness.caller)
            #expect(replay.isReplay && replay.value.id == refused.value.id)
            #expect(harness.node.base.broadcasts.withLock { $0.isEmpty })
        }
        try await TreasuryHarness.with(configure: { $0.signingEnabled = false }) { harness in
            do {
                _ = try await harness.desk.submit(Self.freeze, idempotencyKey: "off", caller: TreasuryHarness.caller)
                Issue.record("signed with processor.enabled false")
            } catch let error as PaymentError {
                #expect(error.code == .failedPrecondition && error.message.contains("processor.enabled"))
            }
            _ = try await harness.desk.hotWallet()
        }
    }

    @Test("a stake may not take the hot wallet below treasury.min_trx_sun; a replay needs no node")
    func minimumBalanceAndReplayWithoutNode() async throws {
        try await TreasuryHarness.with(configure: { $0.minTRXSun = 50_000_000 }) { harness in
            harness.chain.state.withLock { $0.trxSun = 100_000_000 }
            do {
                _ = try await harness.desk.submit(
                    .freeze(amountSun: 60_000_000, resource: .energy), idempotencyKey: "deep",
                    caller: TreasuryHarness.caller)
                Issue.record("a stake below the floor was signed")
            } catch let error as PaymentError {
                #expect(error.code == .failedPrecondition && error.field == "amount_sun")
                #expect(error.message.contains("treasury.min_trx_sun"))
            }
            let fits = try await harness.desk.submit(
                .freeze(amountSun: 50_000_000, resource: .energy), idempotencyKey: "fits",
                caller: TreasuryHarness.caller)
            harness.node.down.withLock { $0 = true }
            let replay = try await harness.desk.submit(
                .freeze(amountSun: 50_000_000, resource: .energy), idempotencyKey: "fits",
                caller: TreasuryHarness.caller)
            #expect(replay.isReplay && replay.value.id == fits.value.id)
        }
    }

    @Test("hostile node figures (Int64.max prices, amounts and times) neither trap the readings nor invent coverage")
    func hostileFigures() async throws {
        try await TreasuryHarness.with { harness in
            harness.node.hostile.withLock { $0 = true }
            harness.chain.state.withLock { $0.resources = ["EnergyLimit": .max, "EnergyUsed": .min] }
            let figures = try await harness.desk.hotWallet()
            #expect(figures.coverage.byTRX == 0)
            _ = Lucid_Payment_V1_HotWallet(figures, address: harness.desk.address)
            let network = try await harness.desk.network()
            _ = SwiftProtobuf.Google_Protobuf_Timestamp(nodeMilliseconds: network.head.timestamp)
            await #expect(throws: PaymentError.self) {
                _ = try await harness.desk.estimate(to: TreasuryLedgerFixture.receiver, amountUnits: 1)
            }
        }
    }

    @Test("TreasuryService: every method only for treasury.allowed_callers, and for a user only with the admin role")
    func authorization() async throws {
        try await TreasuryHarness.with { harness in
            let service = TreasuryService(desk: harness.desk, authorization: .treasury(config: Self.config))
            let transport = InProcessTransport()
            let server = GRPCServer(transport: transport.server, services: [service])
            try await withGRPCClient(transport: transport.client) { client in
                try await withThrowingDiscardingTaskGroup { group in
                    group.addTask { try await server.serve() }
                    defer { server.beginGracefulShutdown() }
                    let treasury = Lucid_Payment_V1_TreasuryService.Client(wrapping: client)
                    let receiver = TreasuryLedgerFixture.receiver.base58
                    let calls: [(String, @Sendable (Metadata) async throws -> Void)] = [
                        ("GetHotWallet", { _ = try await treasury.getHotWallet(.init(), metadata: $0) }),
                        ("GetNetwork", { _ = try await treasury.getNetwork(.init(), metadata: $0) }),
                        (
                            "EstimatePayoutCost",
                            {
                                _ = try await treasury.estimatePayoutCost(
                                    .with {
                                        $0.recipientAddress = receiver
                                        $0.amountUnits = 1
                                    }, metadata: $0)
                            }
                        ),
                        (
                            "Stake",
                            {
                                _ = try await treasury.stake(
                                    .with {
                                        $0.idempotencyKey = "a"
                                        $0.amountSun = 5_000_000
                                    }, metadata: $0)
                            }
                        ),
                        (
                            "Unstake",
                            {
                                _ = try await treasury.unstake(
                                    .with {
                                        $0.idempotencyKey = "b"
                                        $0.amountSun = 5
                                    }, metadata: $0)
                            }
                        ),
                        (
                            "WithdrawUnstaked",
                            { _ = try await treasury.withdrawUnstaked(.with { $0.idempotencyKey = "c" }, metadata: $0) }
                        ),
                        (
                            "DelegateResource",
                            {
                                _ = try await treasury.delegateResource(
                                    .with {
                                        $0.idempotencyKey = "d"
                                        $0.receiverAddress = receiver
                                        $0.amountSun = 5_000_000
                                    }, metadata: $0)
                            }
                        ),
                        (
                            "UndelegateResource",
                            {
                                _ = try await treasury.undelegateResource(
                                    .with {
                                        $0.idempotencyKey = "e"
                                        $0.receiverAddress = receiver
                                        $0.amountSun = 5
                                    }, metadata: $0)
                            }
                        ),
                        (
                            "GetTreasuryOperation",
                            {
                                _ = try await treasury.getTreasuryOperation(
                                    .with { $0.operationID = "tr_" + String(repeating: "0", count: 32) }, metadata: $0)
                            }
                        ),
                    ]
                    var gatewayUser = InProcessServer.caller("api-gateway", user: "u-1")
                    gatewayUser.addString("node_operator", forKey: "x-lucid-user-role")
                    for (method, call) in calls {
                        for (metadata, code, words) in [
                            (
                                InProcessServer.caller("payment-admin"), RPCError.Code.permissionDenied,
                                "treasury.allowed_callers"
                            ),
                            (Metadata(), .unauthenticated, "identity"),
                            (gatewayUser, .permissionDenied, "admin role"),
                        ] {
                            do {
                                try await call(metadata)
                                Issue.record("\(method) answered a caller that is not allowed")
                            } catch let error as RPCError {
                                #expect(error.code == code, "\(method)")
                                #expect(
                                    error.message.contains(method) && error.message.contains(words), "\(error.message)")
                            }
                        }
                    }
                    #expect(harness.node.base.broadcasts.withLock { $0.isEmpty })
                    var admin = InProcessServer.caller("api-gateway", user: "u-2")
                    admin.addString("admin", forKey: "x-lucid-user-role")
                    let allowed = try await treasury.stake(
                        .with {
                            $0.idempotencyKey = "a-1"
                            $0.amountSun = 5_000_000
                        }, metadata: admin)
                    #expect(allowed.requestedBy == "ops/api-gateway/user:u-2" && allowed.kind == .stake)
                    #expect(allowed.resource == .energy, "energy when unspecified")
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

    static var config: PaymentRPCConfig {
        var config = PaymentRPCConfig()
        config.environment = .staging
        config.treasury.allowedCallers = ["ops/treasury-admin", "ops/api-gateway"]
        return config
    }
}

enum TreasuryLedgerFixture {
    static let receiver = try! TronAddress(base58: "TMVQGm1qAQYVdetCeGRRkTWYYrLXuHK2HC")
}
