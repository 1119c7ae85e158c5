import Foundation
import PaymentCore
import PaymentRPC
import PaymentStore
import Testing

/// The processor prices each transfer before signing it: fee_limit from the node's energy estimate, and no signature
/// for a transfer the hot wallet cannot pay.
@Suite("Processor fees: fee_limit from the estimate; a wallet that cannot pay holds payouts without failing them")
struct FeePlanningTests {
    @Test("each transfer's fee_limit is the node's estimate × getEnergyFee plus the margin")
    func feeLimitFromEstimate() async throws {
        try await ProcessorHarness.with(primary: .honest, configure: { $0.feeMarginPercent = 25 }) { harness in
            harness.chain.state.withLock { $0.energyEstimate = 130_285 }
            let ids = try await harness.pay(2)
            try await harness.drive(rounds: 6)
            for id in ids { #expect(try await harness.status(id) == .confirmed) }
            let limits = harness.chain.state.withLock { Array($0.feeLimits.values) }
            #expect(limits == [16_285_625, 16_285_625], "130,285 × 100 × 1.25, rounded up")
        }
    }

    @Test("a holder's estimate, or a node's absurdly low one, still gets a new holder's fee_limit (the floor)")
    func floorOnFeeLimit() async throws {
        try await ProcessorHarness.with(primary: .honest) { harness in
            harness.chain.state.withLock { $0.energyEstimate = 1 }
            let id = try await harness.pay(1)[0]
            try await harness.drive(rounds: 6)
            #expect(try await harness.status(id) == .confirmed)
            #expect(harness.chain.state.withLock { Array($0.feeLimits.values) } == [15_634_200], "130,285 × 100 × 1.2")
        }
    }

    @Test("what a transaction signed in an earlier round may still burn is set aside until it is in a block")
    func earlierRoundsReserved() async throws {
        try await ProcessorHarness.with(primary: .honest, expirationMilliseconds: 60_000) { harness in
            // 20 TRX pays one transfer's worst (15,634,200 sun), not two: the node's balance does not show the
            // first one's burn while it waits for a block, so the second must wait for it.
            harness.chain.state.withLock {
                $0.trxSun = 20_000_000
                $0.holdInclusion = true
            }
            let ids = try await harness.pay(2)
            try await harness.drive(rounds: 4)
            let signed = try await ids.asyncMap { try await harness.transactions($0) }
            #expect(signed.sorted() == [0, 1], "the second is not signed in a later round either")
            #expect(harness.processor.fees.current?.count == 1)
            harness.chain.state.withLock { $0.holdInclusion = false }
            try await harness.drive(rounds: 10)
            for id in ids {
                #expect(try await harness.status(id) == .confirmed)
                #expect(try await harness.transactions(id) == 1)
            }
        }
    }

    @Test("a stake of the hot wallet still in flight holds payouts its TRX would otherwise have paid for")
    func stakeInFlightSetAside() async throws {
        try await ProcessorHarness.with(primary: .honest) { harness in
            // 20 TRX pays one transfer's worst (15,634,200 sun) unless 10 TRX are about to be staked.
            harness.chain.state.withLock { $0.trxSun = 20_000_000 }
            let txid = String(repeating: "7", count: 64)
            let operation = TreasuryOperation(
                id: "tr_" + String(repeating: "a", count: 32),
                action: .freeze(amountSun: 10_000_000, resource: .energy), status: .signed, txid: txid,
                requestedBy: "ops/treasury-admin", createdAt: harness.server.clock.now(),
                updatedAt: harness.server.clock.now())
            _ = try await harness.server.ledger.recordTreasuryOperation(
                NewTreasuryOperation(
                    operation: operation,
                    transaction: StoredTransaction(txid: txid, transactionBytes: [1], expirationMilliseconds: 1),
                    idempotencyScope: "ops/treasury-admin", idempotencyKey: "stake", fingerprint: "f"))
            let id = try await harness.pay(1)[0]
            try await harness.drive(rounds: 3)
            #expect(try await harness.status(id) == .pending)
            #expect(harness.processor.fees.current?.reason.contains("holds 9600000 sun") == true, "20 TRX − 10 − 0.4")
            try await harness.server.ledger.recordTreasuryFinal(
                id: operation.id, outcome: FinalOutcome(confirmed: false, reason: "test"),
                at: harness.server.clock.now())
            try await harness.drive(rounds: 6)
            #expect(try await harness.status(id) == .confirmed)
        }
    }

    @Test("hostile resource figures from the node neither trap nor invent energy beyond the network's")
    func hostileResources() async throws {
        try await ProcessorHarness.with(primary: .honest) { harness in
            harness.chain.state.withLock {
                $0.trxSun = 0
                $0.resources = ["EnergyLimit": -5, "EnergyUsed": .max, "NetLimit": .max, "NetUsed": .min]
            }
            let id = try await harness.pay(1)[0]
            try await harness.drive(rounds: 2)
            #expect(try await harness.status(id) == .pending, "no stake counted, no TRX: it waits")
            harness.chain.state.withLock {
                $0.resources = ["EnergyLimit": .max, "EnergyUsed": -1, "TotalEnergyLimit": 1_000]
            }
            try await harness.drive(rounds: 2)
            #expect(try await harness.status(id) == .pending, "energy capped at the network's 1,000")
        }
    }

    @Test(
        "a hot wallet without TRX: payouts wait unsigned and say why, the breaker hears nothing; a top-up pays each once"
    )
    func emptyWalletWaits() async throws {
        try await ProcessorHarness.with(primary: .honest) { harness in
            harness.chain.state.withLock { $0.trxSun = 0 }
            let ids = try await harness.pay(3)
            try await harness.drive(rounds: 5)
            for id in ids {
                #expect(try await harness.status(id) == .pending)
                #expect(try await harness.transactions(id) == 0, "nothing signed")
            }
            let waiting = try #require(harness.processor.fees.current)
            #expect(waiting.count == 3)
            #expect(waiting.reason.contains("the hot wallet holds 0 sun"), "\(waiting.reason)")
            #expect(harness.breaker.current().state == .closed)
            #expect(harness.chain.state.withLock { $0.seen.isEmpty }, "nothing broadcast")

            harness.chain.state.withLock { $0.trxSun = 100_000_000 }
            try await harness.drive(rounds: 6)
            for id in ids {
                #expect(try await harness.status(id) == .confirmed)
                #expect(try await harness.transactions(id) == 1)
            }
            #expect(harness.processor.fees.current == nil)
            #expect(harness.chain.transfersIncluded == 3)
        }
    }

    @Test("within a round the worst burns add up: what the wallet cannot also pay waits for the next round")
    func roundBudget() async throws {
        try await ProcessorHarness.with(primary: .honest) { harness in
            // A transfer may burn its fee_limit, 15,634,200 sun (the first one's bytes come from the free allowance,
            // the second's burn): 20 TRX pay for one, not two.
            harness.chain.state.withLock { $0.trxSun = 20_000_000 }
            let ids = try await harness.pay(2)
            try await harness.drive(rounds: 1)
            let signed = try await ids.asyncMap { try await harness.transactions($0) }
            #expect(signed.sorted() == [0, 1])
            #expect(harness.processor.fees.current?.count == 1)
        }
    }

    @Test("an estimate above tron.fee_limit_sun waits and names the setting")
    func aboveCap() async throws {
        try await ProcessorHarness.with(primary: .honest, configure: { $0.feeLimitSun = 5_000_000 }) { harness in
            let id = try await harness.pay(1)[0]
            try await harness.drive(rounds: 3)
            #expect(try await harness.status(id) == .pending)
            let reason = try #require(harness.processor.fees.current?.reason)
            #expect(reason.contains("above tron.fee_limit_sun (5000000 sun)"), "\(reason)")
        }
    }
}
