import GRDB
import Metrics

extension SQLiteLedger {
    /// The errors of the database itself (SQLite: I/O, full disk, corruption, busy past the timeout, a violated
    /// constraint), counted in `tron_ledger_errors_total{operation="read"|"write"}` so an alert sees a failing ledger
    /// before callers do. Refusals the ledger decides (`PaymentError`, thrown from inside a transaction) are not
    /// errors of the database and are not counted.
    static func countingDatabaseErrors<T>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as DatabaseError {
            countDatabaseError(operation)
            throw error
        }
    }

    static func countDatabaseError(_ operation: String) {
        Counter(label: "tron_ledger_errors_total", dimensions: [("operation", operation)]).increment()
    }

    /// `pool.write`, counting database errors.
    func write<T: Sendable>(_ updates: @Sendable (Database) throws -> T) async throws -> T {
        try await Self.countingDatabaseErrors("write") { try await pool.write(updates) }
    }

    /// `pool.read`, counting database errors.
    func read<T: Sendable>(_ value: @Sendable (Database) throws -> T) async throws -> T {
        try await Self.countingDatabaseErrors("read") { try await pool.read(value) }
    }
}
