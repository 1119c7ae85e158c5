import Foundation
import Logging
import PaymentAPI
import PaymentCore
import PaymentRPC
import PaymentStore
import Synchronization
import Testing
import TronKit
import TronNode

/// A processor over the in-process server's ledger and a fake chain, driven one round per simulated second.
struct ProcessorHarness {
    let server: InProcessServer
    let chain: FakeChain
    let processor: PayoutProcessor
    let breaker: BreakerController

    static func with(
        primary: FakeNode.Mode, crossChecks: [FakeNode.Mode] = [], expirationMilliseconds: Int64 = 3_000,
        outflow: LimitPolicy? = nil, configure: (inout ProcessorSettings) -> Void = { _ in },
        _ body: (ProcessorHarness) async throws -> Void
    ) async throws {
        try await InProcessServer.with { server in
            let chain = FakeChain(clock: server.clock)
            var settings = ProcessorSettings(
                usdtContract: try TronAddress(base58: "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"))
            settings.expirationMilliseconds = expirationMilliseconds
            settings.lookupInterval = .zero
            settings.rebroadcastInterval = .seconds(1)
            settings.maxAttempts = 3
            settings.outflowLimits = outflow
            configure(&settings)
            let logger = Logger(label: "processor-test")
            let breaker = try await BreakerController(
                policy: CircuitBreakerPolicy(), ledger: server.ledger, clock: server.clock, logger: logger)
            let processor = PayoutProcessor(
                ledger: server.ledger, node: FakeNode(chain: chain, mode: primary), nodeName: "primary",
                crossChecks: crossChecks.enumerated().map {
                    CrossCheckNode(name: "check-\($0)", node: FakeNode(chain: chain, mode: $1))
                },
                key: TronPrivateKey.generate(), settings: settings, breaker: breaker, chainHead: ChainHead(),
                clock: server.clock, random: { 0.5 }, logger: logger)
            try await body(ProcessorHarness(server: server, chain: chain, processor: processor, breaker: breaker))
        }
    }

    func pay(_ count: Int, amount: Int64 = 5_000_000) async throws -> [String] {
        var ids: [String] = []
        for index in 0..<count {
            let reply = try await server.payments.createPayout(
                InProcessServer.createRequest(key: "p-\(index)-\(UUID().uuidString)", amount: amount))
            ids.append(reply.payout.payoutID)
        }
        return ids
    }

    /// One simulated second per round: the clock moves, a block is produced, the processor runs a round.
    func drive(rounds: Int, before: (Int) -> Void = { _ in }) async throws {
        for index in 0..<rounds {
            before(index)
            server.clock.advance(by: 1)
            chain.produce()
            try await processor.round()
        }
    }

    func status(_ id: String) async throws -> PayoutStatus? { try await server.ledger.payout(id: id)?.status }
    func transactions(_ id: String) async throws -> Int { try await server.ledger.transactions(ofPayout: id).count }
}

@Suite("Payout processor against lagging, lying and refusing nodes")
struct PayoutProcessorTests {
    @Test("honest node: confirmed with one transfer")
    func honest() async throws {
        try await ProcessorHarness.with(primary: .honest) { harness in
            let ids = try await harness.pay(3)
            try await harness.drive(rounds: 8)
            for id in ids {
                #expect(try await harness.status(id) == .confirmed)
                #expect(try await harness.transactions(id) == 1)
            }
            #expect(harness.chain.transfersIncluded == 3)
        }
    }

    @Test(
        "lying primary ({} for every lookup), honest cross-check: never paid twice, in flight until the primary shows it"
    )
    func lyingWithCrossCheck() async throws {
        try await ProcessorHarness.with(primary: .lying(aheadMilliseconds: 0), crossChecks: [.honest]) { harness in
            let ids = try await harness.pay(4)
            try await harness.drive(rounds: 20)
            for id in ids {
                // A cross-check's receipt blocks the retire but never finishes a payout on one node's word.
                #expect(try await harness.status(id) == .broadcast)
                #expect(try await harness.transactions(id) == 1)
            }
            #expect(harness.chain.transfersIncluded == 4)
        }
    }

    @Test("without cross-check nodes a lying node within the clock tolerance is believed: why production needs them")
    func lyingAloneIsBelieved() async throws {
        try await ProcessorHarness.with(primary: .lying(aheadMilliseconds: 0)) { harness in
            let ids = try await harness.pay(1)
            try await harness.drive(rounds: 16)
            // The harness sees the second payment this guarantee exists to prevent.
            #expect(try await harness.transactions(ids[0]) >= 2)
            #expect(harness.chain.transfersIncluded >= 2)
        }
    }

    @Test("lying primary whose solid block is ahead of the clock retires nothing, even alone")
    func lyingAheadOfClock() async throws {
        try await ProcessorHarness.with(primary: .lying(aheadMilliseconds: 60_000)) { harness in
            let ids = try await harness.pay(3)
            try await harness.drive(rounds: 20)
            for id in ids {
                #expect(try await harness.status(id) == .broadcast)
                #expect(try await harness.transactions(id) == 1)
            }
            #expect(harness.chain.transfersIncluded == 3)
        }
    }

    @Test("lying primary ahead of the clock with an honest cross-check: paid once, still in flight")
    func lyingAheadWithCrossCheck() async throws {
        try await ProcessorHarness.with(primary: .lying(aheadMilliseconds: 60_000), crossChecks: [.honest]) { harness in
            let ids = try await harness.pay(2)
            try await harness.drive(rounds: 20)
            for id in ids {
                #expect(try await harness.status(id) == .broadcast)
                #expect(try await harness.transactions(id) == 1)
            }
            #expect(harness.chain.transfersIncluded == 2)
        }
    }

    @Test("lagging primary (lookups {} for 12 blocks) with a cross-check: confirmed once")
    func lagging() async throws {
        try await ProcessorHarness.with(primary: .lagging(blocks: 12), crossChecks: [.honest]) { harness in
            let ids = try await harness.pay(3)
            try await harness.drive(rounds: 25)
            for id in ids {
                #expect(try await harness.status(id) == .confirmed)
                #expect(try await harness.transactions(id) == 1)
            }
            #expect(harness.chain.transfersIncluded == 3)
        }
    }

    @Test("one honest and one lagging cross-check node: the honest one's receipt blocks every retire")
    func laggingCrossCheck() async throws {
        try await ProcessorHarness.with(
            primary: .lying(aheadMilliseconds: 0), crossChecks: [.honest, .lagging(blocks: 30)]
        ) { harness in
            let ids = try await harness.pay(1)
            try await harness.drive(rounds: 15)
            #expect(try await harness.status(ids[0]) == .broadcast, "only the primary's solid chain finishes a payout")
            #expect(try await harness.transactions(ids[0]) == 1)
        }
    }

    @Test("lookups answering {\"Error\"} never retire", arguments: [true, false])
    func erroring(withCrossCheck: Bool) async throws {
        try await ProcessorHarness.with(primary: .erroring, crossChecks: withCrossCheck ? [.honest] : []) { harness in
            let ids = try await harness.pay(2)
            try await harness.drive(rounds: 15)
            for id in ids {
                #expect(try await harness.status(id) != .pending)
                #expect(try await harness.transactions(id) == 1)
            }
            #expect(harness.chain.transfersIncluded == 2)
        }
    }

    @Test(
        "a refused rebroadcast never fails a payout that was accepted",
        arguments: ["CONTRACT_VALIDATE_ERROR", "SIGERROR"])
    func refusedRebroadcast(code: String) async throws {
        try await ProcessorHarness.with(primary: .refuseRebroadcast(code: code), expirationMilliseconds: 20_000) {
            harness in
            let ids = try await harness.pay(2)
            harness.chain.state.withLock { $0.holdInclusion = true }
            try await harness.drive(rounds: 5)
            for id in ids { #expect(try await harness.status(id) == .broadcast) }
            harness.chain.state.withLock { $0.holdInclusion = false }
            try await harness.drive(rounds: 6)
            for id in ids {
                #expect(try await harness.status(id) == .confirmed)
                #expect(try await harness.transactions(id) == 1)
            }
            #expect(harness.chain.transfersIncluded == 2)
        }
    }

    @Test("a TRC-20 receipt without receipt.result is not confirmed")
    func receiptWithoutResult() async throws {
        try await ProcessorHarness.with(primary: .honest) { harness in
            harness.chain.state.withLock { $0.receiptResult = nil }
            let ids = try await harness.pay(1)
            try await harness.drive(rounds: 10)
            #expect(try await harness.status(ids[0]) == .broadcast)
            #expect(try await harness.transactions(ids[0]) == 1)
        }
    }

    @Test("the outflow window holds what does not fit until the next UTC hour")
    func outflowWindow() async throws {
        let limits = LimitPolicy(dailyUnits: 100_000_000, hourlyUnits: 10_000_000)
        try await ProcessorHarness.with(primary: .honest, outflow: limits) { harness in
            let ids = try await harness.pay(3, amount: 5_000_000)
            try await harness.drive(rounds: 6)
            let statuses = try await ids.asyncMap { try await harness.status($0) }
            #expect(statuses == [.confirmed, .confirmed, .pending])
            let waiting = try #require(harness.processor.outflow.current)
            #expect(waiting.count == 1)
            #expect(waiting.limit == .hourly)
            #expect(waiting.until == UTCWindow.hourStart(harness.server.clock.now()).addingTimeInterval(3_600))
            // 10:15 + a few seconds → past 11:00.
            harness.server.clock.advance(by: 45 * 60)
            try await harness.drive(rounds: 6)
            #expect(try await harness.status(ids[2]) == .confirmed)
            #expect(harness.processor.outflow.current == nil)
            #expect(harness.chain.transfersIncluded == 3)
        }
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}
