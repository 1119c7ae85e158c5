import Foundation
import Logging
import PaymentStore
import PostgresNIO

/// `payctl ledger copy`: a SQLite ledger into an empty PostgreSQL one, all of it or nothing, verified by counts.
///
/// The source is read from one snapshot (a server may keep running on it, but what it writes after the snapshot
/// is not copied: stop it first for a move). The target is migrated, then written in one transaction that first
/// takes an exclusive lock on its tables and refuses them unless they are all empty; the counts of every table are
/// compared inside that transaction, so a mismatch rolls everything back.
public enum LedgerCopy {
    /// One table's copy.
    public struct TableCount: Sendable, Equatable, CustomStringConvertible {
        /// The target table.
        public var table: String
        /// Rows in the source snapshot.
        public var source: Int
        /// Rows in the target after the copy.
        public var target: Int
        /// The problem in words, for logs and operators.
        public var description: String { "\(table): \(source) rows in the source, \(target) in the target" }
    }

    /// Why nothing was copied.
    public struct Refusal: Error, Sendable, CustomStringConvertible {
        /// The problem in words, for logs and operators.
        public var description: String
    }

    struct Column {
        var source: String
        var target: String
        var bool = false
    }

    struct Table {
        var name: String
        var target: String
        var columns: [Column]
        /// An identity column whose sequence must continue after the copied values.
        var identity: String?
    }

    static func columns(_ names: String) -> [Column] {
        names.split(separator: ",").map {
            Column(source: $0.trimmingCharacters(in: .whitespaces), target: $0.trimmingCharacters(in: .whitespaces))
        }
    }

    /// Parents before children (foreign keys).
    static let tables: [Table] = [
        Table(
            name: "batches", target: "batches",
            columns: columns(
                "id, idempotency_key, batch_type, item_count, total_units, scheduled_for_ms, created_at_ms, requested_by"
            )),
        Table(
            name: "payouts", target: "payouts",
            columns: columns(
                "seq, id, idempotency_key, recipient, amount_units, reason, router, priority, status, batch_id, batch_index, "
                    + "requested_by, node_id, kyc_hash, created_at_ms, updated_at_ms, scheduled_for_ms, txid, failure_reason, "
                    + "attempts, next_attempt_ms, block_number, block_time_ms, fee_sun, energy_used, bandwidth_used, last_error"
            ),
            identity: "seq"),
        Table(
            name: "payout_transactions", target: "payout_transactions",
            columns: [Column(source: "rowid", target: "seq")]
                + columns("txid, payout_id, transaction_bytes, expiration_ms, created_at_ms, outcome"),
            identity: "seq"),
        Table(
            name: "kyc_approvals", target: "kyc_approvals",
            columns: columns("digest, payout_id, not_after_ms, created_at_ms")),
        Table(
            name: "idempotency_keys", target: "idempotency_keys",
            columns: columns("scope, key, fingerprint, payout_id, batch_id, created_at_ms")),
        Table(
            name: "limit_usage", target: "limit_usage",
            columns: [Column(source: "window", target: "window_key"), Column(source: "units", target: "units")]),
        Table(
            name: "treasury_operations", target: "treasury_operations",
            columns: columns(
                "seq, id, idempotency_scope, idempotency_key, fingerprint, kind, resource, amount_sun, receiver, "
                    + "lock_period_blocks, status, txid, transaction_bytes, expiration_ms, requested_by, created_at_ms, "
                    + "updated_at_ms, block_number, fee_sun, failure_reason"),
            identity: "seq"),
        Table(
            name: "breaker", target: "breaker",
            columns: columns("id, state, reason, opened_at_ms")
                + [
                    Column(source: "manual", target: "manual", bool: true),
                    Column(source: "version", target: "version"),
                ]),
    ]

    /// Copies `source` into the database of `target` and returns the verified counts. `progress` is called with
    /// the table, the rows copied so far of it and its total, after each chunk.
    public static func copy(
        from source: SQLiteLedgerExport, to target: PostgresSettings, logger: Logger, chunk: Int = 1_000,
        progress: @Sendable (String, Int, Int) -> Void = { _, _, _ in }
    ) async throws -> [TableCount] {
        let totals = try tables.map { try source.count($0.name) }
        return try await PostgresLedger.withClient(target, logger: logger) { client in
            try await PostgresLedger.storageErrors("write") {
                try await PostgresMigrations.migrate(client: client, logger: logger)
            }
            return try await PostgresLedger.transaction(client: client, logger: logger) { connection in
                try await connection.query(
                    PostgresQuery(
                        unsafeSQL: "LOCK TABLE \(tables.map(\.target).joined(separator: ", ")) IN EXCLUSIVE MODE"),
                    logger: logger)
                for table in tables {
                    let existing = try await count(table.target, on: connection, logger: logger)
                    guard existing == 0 else {
                        throw Refusal(
                            description:
                                "the target is not empty (\(table.target) has \(existing) rows): copy only into a new ledger"
                        )
                    }
                }
                var counts: [TableCount] = []
                for (table, total) in zip(tables, totals) {
                    var after: Int64 = 0
                    var copied = 0
                    progress(table.name, 0, total)
                    while true {
                        let (last, rows) = try source.rows(
                            table.name, columns: table.columns.map(\.source), after: after, limit: chunk)
                        guard let last, !rows.isEmpty else { break }
                        let values = rows.map { row in
                            zip(row, table.columns).map { value, column in sqlValue(value, bool: column.bool) }
                        }
                        try await PostgresLedger.insert(
                            into: table.target, columns: table.columns.map(\.target), rows: values, on: connection,
                            logger: logger)
                        copied += rows.count
                        after = last
                        progress(table.name, copied, total)
                    }
                    if let identity = table.identity {
                        try await connection.query(
                            PostgresQuery(
                                unsafeSQL:
                                    "SELECT setval(pg_get_serial_sequence('\(table.target)', '\(identity)'), COALESCE((SELECT MAX(\(identity)) FROM \(table.target)), 0) + 1, false)"
                            ), logger: logger)
                    }
                    let stored = try await count(table.target, on: connection, logger: logger)
                    guard stored == total, copied == total else {
                        throw Refusal(
                            description:
                                "\(table.target): \(total) rows in the source but \(stored) in the target; nothing was copied"
                        )
                    }
                    counts.append(TableCount(table: table.target, source: total, target: stored))
                }
                return counts
            }
        }
    }

    static func count(_ table: String, on connection: PostgresConnection, logger: Logger) async throws -> Int {
        for try await count in try await connection.query(
            PostgresQuery(unsafeSQL: "SELECT COUNT(*) FROM \(table)"), logger: logger
        ).decode(Int64.self) {
            return Int(count)
        }
        return 0
    }

    static func sqlValue(_ value: ExportedValue, bool: Bool) -> SQLValue {
        switch value {
        case .null: bool ? .bool(nil) : .text(nil)
        case .integer(let integer): bool ? .bool(integer != 0) : .int(integer)
        case .text(let text): .text(text)
        case .blob(let bytes): .bytes(bytes)
        }
    }
}
