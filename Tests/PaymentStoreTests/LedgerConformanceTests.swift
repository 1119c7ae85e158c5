import Foundation
import PaymentCore
import PaymentStore
import Testing

/// The ledger's behaviour, the same on both stores: every test runs on SQLite and on PostgreSQL.
@Suite("Ledger conformance")
struct LedgerConformanceTests {
    @Test(
        "idempotency: same key and request replays, a different request is refused, keys are per caller",
        arguments: LedgerStore.allCases)
    func idempotency(_ store: LedgerStore) async throws {
        try await store.withLedger { subject in
            let ledger = subject.ledger
            let first = Make.payout(key: "k-1")
            let created = try await ledger.createPayout(Make.new(first), limits: Make.roomy)
            #expect(!created.isReplay)
            let again = try await ledger.createPayout(Make.new(Make.payout(key: "k-1")), limits: Make.roomy)
            #expect(again.isReplay)
            #expect(again.value == first)
            do {
                _ = try await ledger.createPayout(
                    Make.new(Make.payout(key: "k-1", amount: 2_000_000)), limits: Make.roomy)
                Issue.record("a different request reused the key")
            } catch let error as PaymentError {
                #expect(error.code == .failedPrecondition)
                #expect(
                    error.message.contains(
                        "idempotency_key \"k-1\" was already used for a different request (payout \(first.id))"))
            }
            let otherCaller = try await ledger.createPayout(
                Make.new(Make.payout(key: "k-1", requestedBy: "ops/other")), limits: Make.roomy)
            #expect(!otherCaller.isReplay)
            let page = try await ledger.listPayouts(PayoutFilter(), limit: 100, after: nil, now: Make.now)
            #expect(page.payouts.count == 2)
        }
    }

    @Test(
        "stats name when the longest-waiting unfinished payout became due; finished and future ones do not count",
        arguments: LedgerStore.allCases)
    func oldestUnfinished(_ store: LedgerStore) async throws {
        try await store.withLedger { subject in
            let ledger = subject.ledger
            #expect(try await ledger.stats(at: Make.now).oldestUnfinishedDueAt == nil)
            let recent = Make.payout(key: "recent", at: Make.now.addingTimeInterval(-60))
            _ = try await ledger.createPayout(Make.new(recent), limits: Make.roomy)
            #expect(try await ledger.stats(at: Make.now).oldestUnfinishedDueAt == recent.createdAt)
            // Created two hours ago, due in an hour: not waiting yet, whatever its age.
            var future = Make.payout(key: "future", at: Make.now.addingTimeInterval(-7_200))
            future.status = .scheduled
            future.scheduledFor = Make.now.addingTimeInterval(3_600)
            _ = try await ledger.createPayout(Make.new(future), limits: Make.roomy)
            #expect(try await ledger.stats(at: Make.now).oldestUnfinishedDueAt == recent.createdAt)
            // Created an hour ago, due 15 minutes ago: it has waited since it became due, not since it was created.
            var due = Make.payout(key: "due", at: Make.now.addingTimeInterval(-3_600))
            due.status = .scheduled
            due.scheduledFor = Make.now.addingTimeInterval(-900)
            _ = try await ledger.createPayout(Make.new(due), limits: Make.roomy)
            #expect(try await ledger.stats(at: Make.now).oldestUnfinishedDueAt == due.scheduledFor)
            // Cancelled, it is finished: the recent one is the oldest again.
            _ = try await ledger.cancelPayout(id: due.id, reason: "test", at: Make.now)
            #expect(try await ledger.stats(at: Make.now).oldestUnfinishedDueAt == recent.createdAt)
        }
    }

    @Test(
        "a batch whose item 3 breaks the hourly limit stores nothing and consumes no key",
        arguments: LedgerStore.allCases)
    func atomicBatchOnLimit(_ store: LedgerStore) async throws {
        try await store.withLedger { subject in
            let ledger = subject.ledger
            let limits = LimitPolicy(dailyUnits: 100, hourlyUnits: 10)
            do {
                _ = try await ledger.createBatch(Make.batch(key: "b-1", amounts: [3, 3, 3, 3, 3]), limits: limits)
                Issue.record("limit not enforced")
            } catch let error as PaymentError {
                #expect(error.code == .resourceExhausted)
                #expect(error.message.hasPrefix("items[3]: hourly limit"))
            }
            #expect(try await ledger.listPayouts(PayoutFilter(), limit: 100, after: nil, now: Make.now).payouts.isEmpty)
            #expect(try await ledger.stats(at: Make.now).usage == LimitUsage(dayUnits: 0, hourUnits: 0))
            // The key was not consumed: a fixed request under the same key goes through.
            let fixed = try await ledger.createBatch(Make.batch(key: "b-1", amounts: [3, 3, 3]), limits: limits)
            #expect(!fixed.isReplay)
            #expect(try await ledger.stats(at: Make.now).usage == LimitUsage(dayUnits: 9, hourUnits: 9))
        }
    }

    @Test("concurrent creates share commits; one refusal does not fail its neighbours", arguments: LedgerStore.allCases)
    func groupCommit(_ store: LedgerStore) async throws {
        try await store.withLedger { subject in
            let ledger = subject.ledger
            let limits = LimitPolicy(dailyUnits: 1_000, hourlyUnits: 500)
            let results = await withTaskGroup(of: Result<Bool, any Error>.self) { group in
                for index in 0..<200 {
                    group.addTask {
                        // 100 + 3 + 3 + ... : the hourly limit of 500 lets 133 of the 3-unit creates and one 100 through.
                        let amount: Int64 = index == 0 ? 100 : 3
                        do {
                            return .success(
                                try await ledger.createPayout(
                                    Make.new(Make.payout(key: "g-\(index)", amount: amount)), limits: limits
                                ).isReplay)
                        } catch {
                            return .failure(error)
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let accepted = results.filter { (try? $0.get()) == false }.count
            let refused = results.compactMap { result -> PaymentError? in
                if case .failure(let error as PaymentError) = result { return error } else { return nil }
            }
            #expect(accepted + refused.count == 200)
            #expect(refused.allSatisfy { $0.code == PaymentError.Code.resourceExhausted })
            let usage = try await ledger.stats(at: Make.now).usage
            #expect(usage.hourUnits <= 500)
            #expect(usage.hourUnits >= 498, "every unit of room that fits a 3-unit payout is used")
            let stored = try await ledger.listPayouts(PayoutFilter(), limit: 100, after: nil, now: Make.now)
            #expect(stored.payouts.count == 100 && stored.next != nil)
        }
    }

    @Test("pages stay stable while payouts are inserted between them", arguments: LedgerStore.allCases)
    func paginationStability(_ store: LedgerStore) async throws {
        try await store.withLedger { subject in
            let ledger = subject.ledger
            var original: [String] = []
            for index in 0..<50 {
                original.append(
                    try await ledger.createPayout(Make.new(Make.payout(key: "p-\(index)")), limits: Make.roomy).value.id
                )
            }
            var seen: [String] = []
            var cursor: PayoutCursor?
            repeat {
                let page = try await ledger.listPayouts(PayoutFilter(), limit: 20, after: cursor, now: Make.now)
                seen += page.payouts.map(\.id)
                cursor = page.next
                for index in 0..<7 {  // new payouts arrive between pages
                    _ = try await ledger.createPayout(
                        Make.new(Make.payout(key: "late-\(seen.count)-\(index)")), limits: Make.roomy)
                }
            } while cursor != nil
            #expect(seen == original.reversed(), "newest first, each exactly once, none of the late ones")
        }
    }

    @Test("filters combine", arguments: LedgerStore.allCases)
    func filters(_ store: LedgerStore) async throws {
        try await store.withLedger { subject in
            let ledger = subject.ledger
            let other = "TG3XXyExBkPp9nzdajDZsozEu4BkaSJozs"
            _ = try await ledger.createPayout(Make.new(Make.payout(key: "a", recipient: other)), limits: Make.roomy)
            _ = try await ledger.createPayout(
                Make.new(Make.payout(key: "b", at: Make.now.addingTimeInterval(10))), limits: Make.roomy)
            let batch = try await ledger.createBatch(Make.batch(key: "c", amounts: [5, 6]), limits: Make.roomy)
            func count(_ filter: PayoutFilter) async throws -> Int {
                try await ledger.listPayouts(filter, limit: 100, after: nil, now: Make.now.addingTimeInterval(60))
                    .payouts
                    .count
            }
            #expect(try await count(PayoutFilter(recipient: other)) == 1)
            #expect(try await count(PayoutFilter(batchID: batch.value.batch.id)) == 2)
            #expect(try await count(PayoutFilter(createdFrom: Make.now.addingTimeInterval(5))) == 1)
            #expect(try await count(PayoutFilter(createdBefore: Make.now.addingTimeInterval(5))) == 3)
            #expect(try await count(PayoutFilter(status: .pending, requestedBy: "ops/test")) == 4)
            #expect(try await count(PayoutFilter(status: .cancelled)) == 0)
            #expect(try await count(PayoutFilter(router: .kyc)) == 0)
        }
    }

    @Test("cancel only before signing, and it gives the amount back to the limits", arguments: LedgerStore.allCases)
    func cancel(_ store: LedgerStore) async throws {
        try await store.withLedger { subject in
            let ledger = subject.ledger
            let payout = try await ledger.createPayout(Make.new(Make.payout(key: "c-1", amount: 7)), limits: Make.roomy)
                .value
            let cancelled = try await ledger.cancelPayout(id: payout.id, reason: "typo", at: Make.now)
            #expect(cancelled.status == .cancelled && cancelled.failureReason == "cancelled: typo")
            #expect(try await ledger.stats(at: Make.now).usage.dayUnits == 0)
            #expect(try await ledger.cancelPayout(id: payout.id, reason: "again", at: Make.now) == cancelled)
            try await subject.execute("UPDATE payouts SET status = 'SIGNED'")
            await #expect(throws: PaymentError.self) {
                try await ledger.cancelPayout(id: payout.id, reason: "", at: Make.now)
            }
            let signed = try await ledger.createPayout(Make.new(Make.payout(key: "c-2")), limits: Make.roomy).value
            try await subject.execute("UPDATE payouts SET status = 'SIGNED' WHERE id = '\(signed.id)'")
            do {
                _ = try await ledger.cancelPayout(id: signed.id, reason: "", at: Make.now)
                Issue.record("cancelled a signed payout")
            } catch let error as PaymentError {
                #expect(error.code == .failedPrecondition)
                #expect(error.message.contains("is SIGNED and can no longer be cancelled"))
            }
            do {
                _ = try await ledger.cancelPayout(id: Make.payoutID(), reason: "", at: Make.now)
            } catch let error as PaymentError {
                #expect(error.code == .notFound)
            }
        }
    }
}
