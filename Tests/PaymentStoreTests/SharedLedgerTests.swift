import Foundation
import Logging
import PaymentCore
import PaymentStore
import Testing

@testable import PaymentStorePostgres

/// Processing moves on both stores, and what several instances on one PostgreSQL ledger must never do.
@Suite("Ledger processing and shared instances")
struct SharedLedgerTests {
    static func transaction(_ tag: String, expiration: Int64 = 1_000) -> StoredTransaction {
        let txid = String(repeating: "0", count: 64 - tag.count) + tag
        return StoredTransaction(txid: txid, transactionBytes: Array(tag.utf8), expirationMilliseconds: expiration)
    }

    @Test(
        "sign, broadcast, confirm; a second live transaction is refused by the ledger and by the schema",
        arguments: LedgerStore.allCases)
    func processingMoves(_ store: LedgerStore) async throws {
        try await store.withLedger { subject in
            let ledger = subject.ledger
            let payout = try await ledger.createPayout(Make.new(Make.payout(key: "p")), limits: Make.roomy).value
            let due: [Payout] = try await ledger.duePayouts(at: Make.now, limit: 10)
            #expect(due.map(\.id) == [payout.id])
            try await ledger.recordSigned(payoutID: payout.id, transaction: Self.transaction("a1"), at: Make.now)
            await #expect(throws: PaymentError.self) {
                try await ledger.recordSigned(payoutID: payout.id, transaction: Self.transaction("a2"), at: Make.now)
            }
            // Around the code: the partial unique index itself refuses a second LIVE row.
            let bytes: String = store == .sqlite ? "X'00'" : "'\\x00'::bytea"
            let otherTxid = String(repeating: "f", count: 64)
            let secondLive: String =
                "INSERT INTO payout_transactions (txid, payout_id, transaction_bytes, expiration_ms, created_at_ms, outcome) "
                + "VALUES ('\(otherTxid)', '\(payout.id)', \(bytes), 1, 1, 'LIVE')"
            await #expect(throws: (any Error).self) { try await subject.execute(secondLive) }
            #expect(try await subject.count("payout_transactions") == 1)
            try await ledger.recordBroadcast(payoutID: payout.id, txid: Self.transaction("a1").txid, at: Make.now)
            let inFlight: [InFlightPayout] = try await ledger.inFlightPayouts()
            #expect(inFlight.map(\.payout.id) == [payout.id])
            #expect(inFlight.first?.transaction.transactionBytes == Array("a1".utf8))
            #expect(inFlight.first?.payout.status == .broadcast)
            try await ledger.recordFinal(
                payoutID: payout.id, txid: Self.transaction("a1").txid,
                outcome: FinalOutcome(confirmed: true, blockNumber: 7, blockTime: Make.now, feeSun: 5), at: Make.now)
            let final = try #require(try await ledger.payout(id: payout.id))
            #expect(final.status == .confirmed)
            #expect(final.chain?.blockNumber == 7)
            #expect(final.chain?.feeSun == 5)
            let outcomes: [String] = try await ledger.transactions(ofPayout: payout.id).map(\.outcome)
            #expect(outcomes == ["CONFIRMED"])
            #expect(try await ledger.inFlightPayouts().isEmpty)
            #expect(try await ledger.duePayouts(at: Make.now, limit: 10).isEmpty)
        }
    }

    @Test("recordSigned refuses what would pass the outflow limit, and stores nothing", arguments: LedgerStore.allCases)
    func outflowInsideRecordSigned(_ store: LedgerStore) async throws {
        try await store.withLedger { subject in
            let ledger = subject.ledger
            let limits = LimitPolicy(dailyUnits: 100, hourlyUnits: 10)
            let first = try await ledger.createPayout(Make.new(Make.payout(key: "o1", amount: 6)), limits: Make.roomy)
            let second = try await ledger.createPayout(Make.new(Make.payout(key: "o2", amount: 6)), limits: Make.roomy)
            _ = try await ledger.duePayouts(at: Make.now, limit: 10)
            try await ledger.recordSigned(
                payoutID: first.value.id, transaction: Self.transaction("b1"), outflowLimits: limits, at: Make.now)
            do {
                try await ledger.recordSigned(
                    payoutID: second.value.id, transaction: Self.transaction("b2"), outflowLimits: limits, at: Make.now)
                Issue.record("signed past the hourly outflow limit")
            } catch let refusal as OutflowRefusal {
                #expect(refusal.limit == .hourly)
            }
            #expect(try await ledger.payout(id: second.value.id)?.status == .pending)
            #expect(try await subject.count("payout_transactions") == 1)
        }
    }

    @Test("the breaker is saved compare-and-set on its version", arguments: LedgerStore.allCases)
    func breakerCompareAndSet(_ store: LedgerStore) async throws {
        try await store.withLedger { subject in
            let ledger = subject.ledger
            let open = BreakerSnapshot(state: .open, opening: .init(at: Make.now, reason: "op", manual: true))
            #expect(try await ledger.saveBreaker(open) == 1)
            #expect(try await ledger.saveBreaker(open) == nil, "a save made without seeing version 1 is refused")
            let stored = try #require(try await ledger.loadBreaker())
            #expect(stored.version == 1)
            #expect(stored.state == .open)
            #expect(stored.opening?.manual == true)
            let closed = BreakerSnapshot(state: .closed, opening: stored.opening, version: 1)
            #expect(try await ledger.saveBreaker(closed) == 2)
            #expect(try await ledger.loadBreaker()?.state == .closed)
        }
    }

    // MARK: Several instances on one PostgreSQL ledger

    /// Two ledgers (two pools, two epochs) on one database: two payment-rpc instances as far as the ledger goes.
    static func withTwoInstances(
        leaseSeconds: Int = 30, _ body: (LedgerStore.Subject, PostgresLedger, PostgresLedger) async throws -> Void
    ) async throws {
        let settings = try await PostgresTestCluster.shared.newDatabase(leaseSeconds: leaseSeconds)
        try await PostgresLedger.withLedger(settings, logger: Logger(label: "a")) { a in
            try await PostgresLedger.withLedger(settings, logger: Logger(label: "b")) { b in
                #expect(a.epoch != b.epoch)
                try await body(LedgerStore.subject(a), a, b)
            }
        }
    }

    @Test("claims are disjoint: SKIP LOCKED and leases give each due payout to one instance")
    func disjointClaims() async throws {
        try await Self.withTwoInstances { subject, a, b in
            for index in 0..<40 {
                _ = try await a.createPayout(Make.new(Make.payout(key: "d\(index)")), limits: Make.roomy)
            }
            async let fromA: [Payout] = a.duePayouts(at: Make.now, limit: 25)
            async let fromB: [Payout] = b.duePayouts(at: Make.now, limit: 25)
            let idsA: Set<String> = Set(try await fromA.map(\.id))
            let idsB: Set<String> = Set(try await fromB.map(\.id))
            #expect(idsA.isDisjoint(with: idsB))
            #expect(idsA.count + idsB.count == 40)
            // Asking again returns each instance's own claims, never the other's.
            let again: Set<String> = Set(try await a.duePayouts(at: Make.now, limit: 50).map(\.id))
            #expect(again == idsA)
            let foreign = try #require(idsB.first)
            await #expect(throws: LeaseLost.self) {
                try await a.recordSigned(payoutID: foreign, transaction: Self.transaction("c1"), at: Make.now)
            }
            #expect(try await subject.count("payout_transactions") == 0)
        }
    }

    @Test("an instance paused past its lease can write nothing once another claimed the payout")
    func fencedAfterLeaseLoss() async throws {
        try await Self.withTwoInstances(leaseSeconds: 2) { subject, a, b in
            let payout = try await a.createPayout(Make.new(Make.payout(key: "f")), limits: Make.roomy).value
            let claimed: [Payout] = try await a.duePayouts(at: Make.now, limit: 10)
            #expect(claimed.map(\.id) == [payout.id])
            let signed = Self.transaction("e1")
            try await a.recordSigned(payoutID: payout.id, transaction: signed, at: Make.now)
            #expect(try await b.inFlightPayouts().isEmpty, "a's lease is live: b may not follow its payout")
            try await Task.sleep(for: .milliseconds(2_500))  // a is "paused" past its lease
            let taken: [InFlightPayout] = try await b.inFlightPayouts()
            #expect(taken.map(\.payout.id) == [payout.id])
            // a wakes up: every processing write is refused, with nothing written.
            await #expect(throws: LeaseLost.self) {
                try await a.recordBroadcast(payoutID: payout.id, txid: signed.txid, at: Make.now)
            }
            await #expect(throws: LeaseLost.self) {
                try await a.recordFinal(
                    payoutID: payout.id, txid: signed.txid, outcome: FinalOutcome(confirmed: false, reason: "x"),
                    at: Make.now)
            }
            await #expect(throws: LeaseLost.self) {
                try await a.retireTransaction(
                    payoutID: payout.id, txid: signed.txid, failReason: nil, retryAt: Make.now, error: "x", at: Make.now
                )
            }
            await #expect(throws: LeaseLost.self) {
                try await a.recordDeferral(payoutID: payout.id, error: "x", retryAt: Make.now, at: Make.now)
            }
            #expect(try await a.renewLeases(payoutIDs: [payout.id]).isEmpty, "a must not send its fresh bytes")
            #expect(try await a.payout(id: payout.id)?.status == .signed)
            let outcomes: [String] = try await a.transactions(ofPayout: payout.id).map(\.outcome)
            #expect(outcomes == ["LIVE"])
            // The new owner carries on.
            try await b.recordBroadcast(payoutID: payout.id, txid: signed.txid, at: Make.now)
            let held: Set<String> = try await b.renewLeases(payoutIDs: [payout.id])
            #expect(held == [payout.id])
            #expect(try await subject.count("payout_transactions") == 1)
        }
    }

    @Test("an instance stopped inside a transaction holding the windows and the signers' lock: the others' waits end")
    func stoppedLockHolder() async throws {
        try await Self.withTwoInstances(leaseSeconds: 2) { subject, a, b in
            let payout = try await b.createPayout(Make.new(Make.payout(key: "w0")), limits: Make.roomy).value
            let locked = AsyncStream<Void>.makeStream()
            // a's process "stops" holding the limit windows' rows and the signers' advisory lock.
            let holder = Task {
                try await a.client.withTransaction(logger: Logger(label: "a")) { connection in
                    for try await _ in try await connection.query(
                        "SELECT units FROM limit_usage FOR UPDATE", logger: Logger(label: "a")
                    ).decode(Int64.self) {}
                    for try await _ in try await connection.query(
                        "SELECT pg_advisory_xact_lock(\(PostgresLedger.outflowLockKey))::text",
                        logger: Logger(label: "a")
                    ).decode(String.self) {}
                    locked.continuation.yield()
                    // Longer than both waits below together, even on a loaded machine: a wait that ends early ended
                    // at its lock timeout, not because the holder let go.
                    try await Task.sleep(for: .seconds(16))
                }
            }
            for await _ in locked.stream { break }
            for attempt in ["create", "sign"] {
                let started = ContinuousClock.now
                do {
                    if attempt == "create" {
                        _ = try await b.createPayout(Make.new(Make.payout(key: "w1")), limits: Make.roomy)
                    } else {
                        _ = try await b.duePayouts(at: Make.now, limit: 10) as [Payout]  // the lease ran out meanwhile
                        try await b.recordSigned(
                            payoutID: payout.id, transaction: Self.transaction("w0"), outflowLimits: Make.roomy,
                            at: Make.now)
                    }
                    Issue.record("\(attempt) went through a lock another transaction holds")
                } catch let error as PostgresLedger.StorageError {
                    #expect(error.sqlState == "55P03", "\(attempt): \(error)")
                }
                let waited = ContinuousClock.now - started
                #expect(waited >= .milliseconds(1_500) && waited < .seconds(7), "\(attempt) waited \(waited)")
            }
            try await holder.value
            // The holder went on and committed: the waits that gave up changed nothing, and now go through.
            #expect(try await subject.count("payouts") == 1)
            #expect(try await subject.count("payout_transactions") == 0)
            _ = try await b.duePayouts(at: Make.now, limit: 10) as [Payout]
            try await b.recordSigned(
                payoutID: payout.id, transaction: Self.transaction("w0"), outflowLimits: Make.roomy, at: Make.now)
            _ = try await b.createPayout(Make.new(Make.payout(key: "w1")), limits: Make.roomy)
            #expect(try await subject.count("payouts") == 2)
        }
    }

    @Test("the same key created on two instances at once gives one payout; the other answer is its replay")
    func concurrentSameKey() async throws {
        try await Self.withTwoInstances { subject, a, b in
            let results: [Int: [CreateOutcome<Payout>]] = try await withThrowingTaskGroup(
                of: (Int, CreateOutcome<Payout>).self
            ) { group in
                for index in 0..<60 {
                    for ledger in [a, b] {
                        group.addTask {
                            // Same request (same fingerprint, amount and key), different payout ids: what two
                            // instances receiving one retried request build.
                            let new = Make.new(Make.payout(key: "s\(index)"))
                            let outcome = try await ledger.createPayout(new, limits: Make.roomy)
                            return (index, outcome)
                        }
                    }
                }
                var byKey: [Int: [CreateOutcome<Payout>]] = [:]
                for try await (index, outcome) in group { byKey[index, default: []].append(outcome) }
                return byKey
            }
            #expect(results.count == 60)
            for (index, outcomes) in results {
                let created = outcomes.filter { !$0.isReplay }.count
                let named = Set(outcomes.map(\.value.id)).count
                #expect(outcomes.count == 2)
                #expect(created == 1, "key s\(index): exactly one create")
                #expect(named == 1, "key s\(index): both answers name one payout")
            }
            #expect(try await subject.count("payouts") == 60)
            #expect(try await subject.count("idempotency_keys") == 60)
        }
    }

    @Test("the hourly limit holds across instances creating concurrently")
    func limitsAcrossInstances() async throws {
        try await Self.withTwoInstances { subject, a, b in
            let limits = LimitPolicy(dailyUnits: 1_000, hourlyUnits: 100)
            let accepted: Int = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<240 {
                    let ledger = index % 2 == 0 ? a : b
                    group.addTask {
                        do {
                            _ = try await ledger.createPayout(
                                Make.new(Make.payout(key: "l\(index)", amount: 1)), limits: limits)
                            return true
                        } catch let error as PaymentError where error.code == .resourceExhausted {
                            return false
                        }
                    }
                }
                var total = 0
                for try await stored in group where stored { total += 1 }
                return total
            }
            #expect(accepted == 100)
            #expect(try await subject.count("payouts") == 100)
            let usage: LimitUsage = try await a.stats(at: Make.now).usage
            #expect(usage == LimitUsage(dayUnits: 100, hourUnits: 100))
        }
    }

    @Test("the outflow limit holds across instances signing")
    func outflowAcrossInstances() async throws {
        try await Self.withTwoInstances { subject, a, b in
            let limits = LimitPolicy(dailyUnits: 100, hourlyUnits: 10)
            let first = try await a.createPayout(Make.new(Make.payout(key: "w1", amount: 6)), limits: Make.roomy).value
            let second = try await b.createPayout(Make.new(Make.payout(key: "w2", amount: 6)), limits: Make.roomy).value
            let claimedA: [Payout] = try await a.duePayouts(at: Make.now, limit: 1)
            let claimedB: [Payout] = try await b.duePayouts(at: Make.now, limit: 5)
            #expect(claimedA.map(\.id) == [first.id])
            #expect(claimedB.map(\.id) == [second.id])
            let outcomes: [Result<Void, any Error>] = await withTaskGroup(of: Result<Void, any Error>.self) { group in
                let work: [(PostgresLedger, Payout, String)] = [(a, first, "g1"), (b, second, "g2")]
                for (ledger, payout, tag) in work {
                    group.addTask {
                        do {
                            try await ledger.recordSigned(
                                payoutID: payout.id, transaction: Self.transaction(tag), outflowLimits: limits,
                                at: Make.now)
                            return .success(())
                        } catch {
                            return .failure(error)
                        }
                    }
                }
                var all: [Result<Void, any Error>] = []
                for await outcome in group { all.append(outcome) }
                return all
            }
            var signed = 0
            var refused = 0
            for outcome in outcomes {
                switch outcome {
                case .success: signed += 1
                case .failure(let error): if error is OutflowRefusal { refused += 1 }
                }
            }
            #expect(signed == 1)
            #expect(refused == 1)
            #expect(try await subject.count("payout_transactions") == 1)
        }
    }

    @Test("one KYC approval sent to two instances at once pays one payout")
    func approvalAcrossInstances() async throws {
        try await Self.withTwoInstances { subject, a, b in
            let approval = KYCApprovalUse(canonicalText: "approval shared", notAfterUnixSeconds: 2_000_000_000)
            let stored: Int = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<20 {
                    let ledger = index % 2 == 0 ? a : b
                    group.addTask {
                        let payout = Make.payout(key: "k\(index)", requestedBy: "ops/c\(index)")
                        let new = NewPayout(
                            payout: payout, fingerprint: "fp\(index)", idempotencyScope: payout.requestedBy,
                            kycApproval: approval)
                        do {
                            _ = try await ledger.createPayout(new, limits: Make.roomy)
                            return true
                        } catch let error as PaymentError where error.code == .failedPrecondition {
                            return false
                        }
                    }
                }
                var total = 0
                for try await created in group where created { total += 1 }
                return total
            }
            #expect(stored == 1)
            #expect(try await subject.count("kyc_approvals") == 1)
            #expect(try await subject.count("payouts") == 1)
        }
    }

    @Test("a ledger migrated past this binary is refused at open")
    func schemaTooNew() async throws {
        let settings = try await PostgresTestCluster.shared.newDatabase()
        try await PostgresLedger.withLedger(settings, logger: Logger(label: "m")) { _ in }
        _ = try await PostgresTestCluster.shared.psql(
            settings.database, "INSERT INTO schema_migrations (version, name) VALUES (999, 'from the future')")
        await #expect(throws: PostgresMigrations.SchemaTooNew.self) {
            try await PostgresLedger.withLedger(settings, logger: Logger(label: "m")) { _ in }
        }
    }
}
