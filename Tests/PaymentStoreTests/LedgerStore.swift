import Foundation
import Logging
import PaymentCore
import PostgresNIO
@testable import PaymentStore
import Testing

@testable import PaymentStorePostgres

/// The two ledgers every conformance test runs against.
enum LedgerStore: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// A fresh, empty ledger of this store, and raw access for the checks a test makes beside the protocol.
    struct Subject: Sendable {
        let ledger: any ProcessingLedger
        /// `SELECT COUNT(*) FROM table`.
        let count: @Sendable (String) async throws -> Int
        /// Runs SQL the ledger itself would never run (tampering); throws the database's refusal.
        let execute: @Sendable (String) async throws -> Void
    }

    func withLedger(leaseSeconds: Int = 30, _ body: (Subject) async throws -> Void) async throws {
        switch self {
        case .sqlite:
            let temporary = try TemporaryLedger()
            defer { temporary.remove() }
            let ledger = try temporary.open()
            let subject = Subject(
                ledger: ledger,
                count: { table in
                    try await ledger.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0 }
                },
                execute: { sql in try await ledger.pool.write { db in try db.execute(sql: sql) } })
            try await body(subject)
            try ledger.close()
        case .postgres:
            let settings = try await PostgresTestCluster.shared.newDatabase(leaseSeconds: leaseSeconds)
            try await PostgresLedger.withLedger(settings, logger: Logger(label: "test")) { ledger in
                try await body(Self.subject(ledger))
            }
        }
    }

    static func subject(_ ledger: PostgresLedger) -> Subject {
        Subject(
            ledger: ledger,
            count: { table in
                for try await count in try await ledger.client.query(
                    PostgresQuery(unsafeSQL: "SELECT COUNT(*) FROM \(table)"), logger: Logger(label: "test")
                ).decode(Int64.self) {
                    return Int(count)
                }
                return 0
            },
            execute: { sql in
                do {
                    try await ledger.client.query(.init(unsafeSQL: sql), logger: Logger(label: "test"))
                } catch {
                    throw PostgresLedger.StorageError(error)
                }
            })
    }
}
