import Foundation
import Logging
import PaymentCore
import PaymentStore
import Testing

@testable import PaymentStorePostgres

@Suite("payctl ledger copy: SQLite to PostgreSQL")
struct LedgerCopyTests {
    @Test("a copied ledger gives the same answers on PostgreSQL; a non-empty target is refused")
    func copyGivesSameAnswers() async throws {
        let temporary = try TemporaryLedger()
        defer { temporary.remove() }
        let sqlite = try temporary.open()
        defer { try? sqlite.close() }
        // A ledger with every kind of row: single payouts, a batch, a KYC approval, a cancel, transactions in
        // every outcome, usage, the breaker.
        var ids: [String] = []
        for index in 0..<30 {
            ids.append(
                try await sqlite.createPayout(
                    Make.new(Make.payout(key: "c\(index)", amount: Int64(index + 1))), limits: Make.roomy
                ).value.id)
        }
        let batch = try await sqlite.createBatch(Make.batch(key: "cb", amounts: [4, 5, 6]), limits: Make.roomy).value
        let approval = KYCApprovalUse(canonicalText: "copy approval", notAfterUnixSeconds: 2_000_000_000)
        let kyc = Make.payout(key: "ck")
        _ = try await sqlite.createPayout(
            NewPayout(payout: kyc, fingerprint: "fp-ck", idempotencyScope: kyc.requestedBy, kycApproval: approval),
            limits: Make.roomy)
        _ = try await sqlite.cancelPayout(id: ids[0], reason: "copy test", at: Make.now)
        _ = try await sqlite.duePayouts(at: Make.now, limit: 100)
        try await sqlite.recordSigned(payoutID: ids[1], transaction: SharedLedgerTests.transaction("c1"), at: Make.now)
        try await sqlite.retireTransaction(
            payoutID: ids[1], txid: SharedLedgerTests.transaction("c1").txid, failReason: nil, retryAt: Make.now,
            error: "expired", at: Make.now)
        try await sqlite.recordSigned(payoutID: ids[1], transaction: SharedLedgerTests.transaction("c2"), at: Make.now)
        try await sqlite.recordSigned(payoutID: ids[2], transaction: SharedLedgerTests.transaction("c3"), at: Make.now)
        try await sqlite.recordFinal(
            payoutID: ids[2], txid: SharedLedgerTests.transaction("c3").txid,
            outcome: FinalOutcome(confirmed: true, blockNumber: 9, blockTime: Make.now, feeSun: 3), at: Make.now)
        try await sqlite.saveBreaker(
            BreakerSnapshot(state: .open, opening: .init(at: Make.now, reason: "copy", manual: true)))

        let settings = try await PostgresTestCluster.shared.newDatabase()
        let progress = ProgressLog()
        let counts = try await LedgerCopy.copy(
            from: try sqlite.export(), to: settings, logger: Logger(label: "copy"), chunk: 7,
            progress: { table, done, total in progress.note(table, done, total) })
        #expect(counts.first { $0.table == "payouts" }?.target == 34)
        #expect(counts.first { $0.table == "payout_transactions" }?.target == 3)
        #expect(counts.allSatisfy { $0.source == $0.target })
        #expect(progress.last["payouts"] == 34, "progress reached the end of each table")

        try await PostgresLedger.withLedger(settings, logger: Logger(label: "copied")) { postgres in
            for id in ids + [kyc.id] {
                let copied: Payout? = try await postgres.payout(id: id)
                let original: Payout? = try await sqlite.payout(id: id)
                #expect(copied == original)
                let copiedTransactions: [StoredTransaction] = try await postgres.transactions(ofPayout: id)
                let originalTransactions: [StoredTransaction] = try await sqlite.transactions(ofPayout: id)
                #expect(copiedTransactions == originalTransactions)
            }
            let copiedBatch: BatchWithPayouts? = try await postgres.batch(id: batch.batch.id)
            #expect(copiedBatch == batch)
            let copiedStats: LedgerStats = try await postgres.stats(at: Make.now)
            let originalStats: LedgerStats = try await sqlite.stats(at: Make.now)
            #expect(copiedStats == originalStats)
            let copiedBreaker: BreakerSnapshot? = try await postgres.loadBreaker()
            let originalBreaker: BreakerSnapshot? = try await sqlite.loadBreaker()
            #expect(copiedBreaker == originalBreaker)
            var sqlitePages: [String] = []
            var postgresPages: [String] = []
            var cursors: (PayoutCursor?, PayoutCursor?) = (nil, nil)
            repeat {
                let left = try await sqlite.listPayouts(PayoutFilter(), limit: 8, after: cursors.0, now: Make.now)
                let right = try await postgres.listPayouts(PayoutFilter(), limit: 8, after: cursors.1, now: Make.now)
                sqlitePages += left.payouts.map(\.id)
                postgresPages += right.payouts.map(\.id)
                cursors = (left.next, right.next)
            } while cursors.0 != nil
            #expect(postgresPages == sqlitePages && cursors.1 == nil, "the same pages, newest first")
            // Old keys replay; the approval stays used; a new payout gets a sequence after the copied ones.
            let replay = try await postgres.createPayout(
                Make.new(Make.payout(key: "c5", amount: 6)), limits: Make.roomy)
            #expect(replay.isReplay && replay.value.id == ids[5])
            let reused = Make.payout(key: "ck2")
            await #expect(throws: PaymentError.self) {
                _ = try await postgres.createPayout(
                    NewPayout(
                        payout: reused, fingerprint: "fp", idempotencyScope: reused.requestedBy, kycApproval: approval),
                    limits: Make.roomy)
            }
            let newest = try await postgres.createPayout(Make.new(Make.payout(key: "after-copy")), limits: Make.roomy)
            let first: String? = try await postgres.listPayouts(PayoutFilter(), limit: 1, after: nil, now: Make.now)
                .payouts.first?.id
            #expect(first == newest.value.id)
        }

        await #expect(throws: LedgerCopy.Refusal.self) {
            _ = try await LedgerCopy.copy(from: try sqlite.export(), to: settings, logger: Logger(label: "copy"))
        }
    }
}

final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String: Int] = [:]
    func note(_ table: String, _ done: Int, _ total: Int) { lock.withLock { values[table] = done } }
    var last: [String: Int] { lock.withLock { values } }
}
