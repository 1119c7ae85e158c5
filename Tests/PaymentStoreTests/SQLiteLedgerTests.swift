import Foundation
import GRDB
import PaymentCore
import Testing

@testable import PaymentStore

@Suite("SQLite ledger")
struct SQLiteLedgerTests {
    @Test("the file is in WAL mode with synchronous=FULL and foreign keys on")
    func durabilitySettings() async throws {
        let temporary = try TemporaryLedger()
        defer { temporary.remove() }
        let ledger = try temporary.open()
        let (journal, synchronous, foreignKeys) = try await ledger.pool.read { db in
            (
                try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"),
                try Int.fetchOne(db, sql: "PRAGMA foreign_keys")
            )
        }
        #expect(journal == "wal")
        #expect(synchronous == 2, "2 is FULL")
        #expect(foreignKeys == 1)
        _ = try await ledger.createPayout(Make.new(Make.payout(key: "cp")), limits: Make.roomy)
        try await ledger.checkpoint()
        try ledger.close()
    }

    @Test("a storage failure in the middle of a batch leaves nothing behind")
    func atomicBatchOnStorageFailure() async throws {
        let temporary = try TemporaryLedger()
        defer { temporary.remove() }
        let ledger = try temporary.open()
        var batch = Make.batch(key: "b-2", amounts: [1, 2, 3, 4])
        batch.payouts[2].id = batch.payouts[1].id  // the third insert violates the UNIQUE id
        await #expect(throws: DatabaseError.self) { try await ledger.createBatch(batch, limits: Make.roomy) }
        let counts = try await ledger.pool.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM payouts"),
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM batches"),
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM idempotency_keys"),
                try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(units), 0) FROM limit_usage")
            )
        }
        #expect(counts.0 == 0 && counts.1 == 0 && counts.2 == 0 && counts.3 == 0)
    }

    @Test("closing and reopening keeps payouts, batches, keys, usage and the breaker")
    func reopen() async throws {
        let temporary = try TemporaryLedger()
        defer { temporary.remove() }
        var ledger = try temporary.open()
        let payout = try await ledger.createPayout(Make.new(Make.payout(key: "r-1", amount: 11)), limits: Make.roomy)
            .value
        let batch = try await ledger.createBatch(Make.batch(key: "r-2", amounts: [1, 2]), limits: Make.roomy).value
        let breaker = BreakerSnapshot(state: .open, opening: .init(at: Make.now, reason: "op", manual: true))
        try await ledger.saveBreaker(breaker)
        try ledger.close()

        ledger = try temporary.open()
        #expect(try await ledger.payout(id: payout.id) == payout)
        #expect(try await ledger.batch(id: batch.batch.id) == batch)
        #expect(
            try await ledger.createPayout(Make.new(Make.payout(key: "r-1", amount: 11)), limits: Make.roomy).isReplay)
        #expect(try await ledger.stats(at: Make.now).usage.dayUnits == 14)
        var saved = breaker
        saved.version = 1
        #expect(try await ledger.loadBreaker() == saved)
        #expect(try await ledger.stats(at: Make.now).countsByStatus[.pending] == 3)
        try ledger.close()
    }
}
