import Foundation
import PaymentCore
import Testing

@testable import PaymentStore

@Suite("Ledger: a KYC approval pays once; sums are checked")
struct KYCApprovalLedgerTests {
    static func approval(_ tag: String, notAfter: Date = Make.now.addingTimeInterval(3_600)) -> KYCApprovalUse {
        KYCApprovalUse(canonicalText: "approval \(tag)", notAfterUnixSeconds: Int64(notAfter.timeIntervalSince1970))
    }

    static func new(key: String, approval: KYCApprovalUse, requestedBy: String = "ops/test") -> NewPayout {
        let payout = Make.payout(key: key, requestedBy: requestedBy)
        return NewPayout(
            payout: payout, fingerprint: "fp-\(key)", idempotencyScope: requestedBy, kycApproval: approval)
    }

    func expectRefusal(naming payoutID: String, _ body: () async throws -> Void) async {
        do {
            try await body()
            Issue.record("a second use of the approval was accepted")
        } catch let error as PaymentError {
            #expect(error.code == .failedPrecondition)
            #expect(error.message.contains("already used by payout \(payoutID)"), "\(error.message)")
        } catch {
            Issue.record("not a domain error: \(error)")
        }
    }

    @Test(
        "a second caller sending the same approval is refused naming the payout; the first caller's replay works",
        arguments: LedgerStore.allCases)
    func secondCaller(_ store: LedgerStore) async throws {
        try await store.withLedger { subject in
            let ledger = subject.ledger
            let first = try await ledger.createPayout(
                Self.new(key: "k", approval: Self.approval("a")), limits: Make.roomy)
            #expect(!first.isReplay)
            let replay = try await ledger.createPayout(
                Self.new(key: "k", approval: Self.approval("a")), limits: Make.roomy)
            #expect(replay.isReplay && replay.value.id == first.value.id)
            for caller in ["ops/other", "ops/third"] {
                await expectRefusal(naming: first.value.id) {
                    _ = try await ledger.createPayout(
                        Self.new(key: "k", approval: Self.approval("a"), requestedBy: caller), limits: Make.roomy)
                }
            }
            await expectRefusal(naming: first.value.id) {
                _ = try await ledger.createPayout(Self.new(key: "k2", approval: Self.approval("a")), limits: Make.roomy)
            }
            let count = try await subject.count("payouts")
            #expect(count == 1, "nothing was created by the refused uses")
            let usage = try await ledger.stats(at: Make.now).usage
            #expect(usage.hourUnits == 1_000_000, "refused uses consume no limit")
        }
    }

    @Test("an approval used by a batch item cannot pay a single payout, and back", arguments: LedgerStore.allCases)
    func acrossForms(_ store: LedgerStore) async throws {
        try await store.withLedger { subject in
            let ledger = subject.ledger
            var batch = Make.batch(key: "B", amounts: [1, 2, 3])
            batch.kycApprovals = [nil, Self.approval("item-1"), nil]
            let stored = try await ledger.createBatch(batch, limits: Make.roomy)
            await expectRefusal(naming: stored.value.payouts[1].id) {
                _ = try await ledger.createPayout(
                    Self.new(key: "single", approval: Self.approval("item-1")), limits: Make.roomy)
            }
            let single = try await ledger.createPayout(
                Self.new(key: "s", approval: Self.approval("single")), limits: Make.roomy)
            var second = Make.batch(key: "C", amounts: [4, 5])
            second.kycApprovals = [nil, Self.approval("single")]
            do {
                _ = try await ledger.createBatch(second, limits: Make.roomy)
                Issue.record("a batch reused a single payout's approval")
            } catch let error as PaymentError {
                #expect(error.code == .failedPrecondition)
                #expect(
                    error.message.hasPrefix(
                        "items[1].kyc: this KYC approval was already used by payout \(single.value.id)")
                )
            }
            #expect(try await ledger.batch(id: second.batch.id) == nil, "the refused batch stored nothing")
            let replay = try await ledger.createBatch(batch, limits: Make.roomy)
            #expect(replay.isReplay && replay.value.batch.id == stored.value.batch.id)
        }
    }

    @Test(
        "an approval expired at acceptance is refused; a replay of an accepted one is not",
        arguments: LedgerStore.allCases)
    func expired(_ store: LedgerStore) async throws {
        try await store.withLedger { subject in
            let ledger = subject.ledger
            let stale = Self.approval("stale", notAfter: Make.now.addingTimeInterval(-1))
            do {
                _ = try await ledger.createPayout(Self.new(key: "e", approval: stale), limits: Make.roomy)
                Issue.record("an expired approval was accepted")
            } catch let error as PaymentError {
                #expect(error.code == .failedPrecondition)
                #expect(error.field == "kyc.not_after_unix_seconds")
            }
            let tight = Self.approval("tight", notAfter: Make.now)
            let created = try await ledger.createPayout(Self.new(key: "t", approval: tight), limits: Make.roomy)
            var later = Self.new(key: "t", approval: tight)
            later.payout.createdAt = Make.now.addingTimeInterval(7_200)
            let replay = try await ledger.createPayout(later, limits: Make.roomy)
            #expect(replay.isReplay && replay.value.id == created.value.id, "a true replay returns the stored payout")
        }
    }

    @Test(
        "one approval on two items of a batch is refused at the later item, naming the earlier; nothing is stored",
        arguments: LedgerStore.allCases)
    func twiceInOneBatch(_ store: LedgerStore) async throws {
        try await store.withLedger { subject in
            var batch = Make.batch(key: "D", amounts: [1, 2, 3])
            batch.kycApprovals = [Self.approval("twice"), nil, Self.approval("twice")]
            do {
                _ = try await subject.ledger.createBatch(batch, limits: Make.roomy)
                Issue.record("a batch paid one approval twice")
            } catch let error as PaymentError {
                #expect(error.code == .failedPrecondition)
                #expect(
                    error.message.hasPrefix(
                        "items[2].kyc: this KYC approval was already used by payout \(batch.payouts[0].id)"),
                    "\(error.message)")
            }
            #expect(try await subject.count("payouts") == 0)
            #expect(try await subject.count("kyc_approvals") == 0)
            batch.kycApprovals = [Self.approval("twice"), nil, Self.approval("other")]
            let stored = try await subject.ledger.createBatch(batch, limits: Make.roomy)
            #expect(!stored.isReplay && stored.value.payouts.count == 3, "distinct approvals are accepted")
        }
    }

    @Test(
        "concurrent creates with one approval in one group commit: exactly one is stored",
        arguments: LedgerStore.allCases)
    func groupCommit(_ store: LedgerStore) async throws {
        try await store.withLedger { subject in
            let ledger = subject.ledger
            let results = await withTaskGroup(of: Result<String, any Error>.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        do {
                            return .success(
                                try await ledger.createPayout(
                                    Self.new(
                                        key: "g-\(index)", approval: Self.approval("shared"),
                                        requestedBy: "ops/c\(index)"),
                                    limits: Make.roomy
                                ).value.id)
                        } catch {
                            return .failure(error)
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let stored = results.compactMap { try? $0.get() }
            #expect(stored.count == 1)
            let approvals = try await subject.count("kyc_approvals")
            #expect(approvals == 1)
            let payouts = try await subject.count("payouts")
            #expect(payouts == 1)
        }
    }

    @Test("the digest is UNIQUE in the schema itself", arguments: LedgerStore.allCases)
    func uniqueConstraint(_ store: LedgerStore) async throws {
        try await store.withLedger { subject in
            let ledger = subject.ledger
            let a = try await ledger.createPayout(Self.new(key: "u1", approval: Self.approval("u")), limits: Make.roomy)
            let b = try await ledger.createPayout(Make.new(Make.payout(key: "u2")), limits: Make.roomy)
            await #expect(throws: (any Error).self) {
                try await subject.execute(
                    "INSERT INTO kyc_approvals (digest, payout_id, not_after_ms, created_at_ms) SELECT digest, '\(b.value.id)', 0, 0 FROM kyc_approvals WHERE payout_id = '\(a.value.id)'"
                )
            }
            #expect(try await subject.count("kyc_approvals") == 1)
        }
    }

    @Test(
        "limits near Int64.max: a sum past it is RESOURCE_EXHAUSTED, never a trap (single and batch)",
        arguments: LedgerStore.allCases)
    func overflow(_ store: LedgerStore) async throws {
        try await store.withLedger { subject in
            let ledger = subject.ledger
            let limits = LimitPolicy(dailyUnits: .max, hourlyUnits: .max - 1)
            _ = try await ledger.createPayout(Make.new(Make.payout(key: "big", amount: .max - 10)), limits: limits)
            do {
                _ = try await ledger.createPayout(Make.new(Make.payout(key: "more", amount: 20)), limits: limits)
                Issue.record("accepted past Int64.max")
            } catch let error as PaymentError {
                #expect(error.code == .resourceExhausted)
                #expect(error.limit == "hourly")
            }
            var batch = Make.batch(key: "ob", amounts: [5, .max])
            batch.batch.totalUnits = 1
            do {
                _ = try await ledger.createBatch(batch, limits: limits)
                Issue.record("accepted a batch past Int64.max")
            } catch let error as PaymentError {
                #expect(error.code == .resourceExhausted)
                #expect(error.message.hasPrefix("items[1]: hourly limit"), "\(error.message)")
            }
            let stats = try await ledger.stats(at: Make.now)
            #expect(stats.usage.hourUnits == .max - 10)
        }
    }
}
