import Foundation
import Logging
import NIOCore
import PaymentCore
import PaymentStore
import PostgresNIO

/// A value bound into a statement built at run time (multi-row inserts, filters, the copy command).
enum SQLValue: Sendable {
    case int(Int64?)
    case text(String?)
    case bytes([UInt8]?)
    case bool(Bool?)
}

extension PostgresBindings {
    mutating func append(_ value: SQLValue) {
        switch value {
        case .int(let value): append(value)
        case .text(let value): append(value)
        case .bytes(let value): append(value.map { ByteBuffer(bytes: $0) })
        case .bool(let value): append(value)
        }
    }
}

extension PostgresLedger {
    /// The payout columns every read selects, in `payout(from:)`'s terms.
    static let payoutColumnNames = [
        "seq", "id", "idempotency_key", "recipient", "amount_units", "reason", "router", "priority", "status",
        "batch_id", "requested_by", "node_id", "kyc_hash", "created_at_ms", "updated_at_ms", "scheduled_for_ms", "txid",
        "failure_reason", "block_number", "block_time_ms", "fee_sun", "energy_used", "bandwidth_used", "attempts",
        "next_attempt_ms",
    ]

    /// `seq, id, …` (with `p.` before each name when `table` is "p").
    static func payoutColumns(_ table: String? = nil) -> String {
        payoutColumnNames.map { name in table.map { "\($0).\(name)" } ?? name }.joined(separator: ", ")
    }

    /// A payout and its insertion sequence from a row that has `payoutColumnNames`.
    static func payout(from row: PostgresRow) throws -> (sequence: Int64, payout: Payout) {
        let r = row.makeRandomAccess()
        var payout = Payout(
            id: try r["id"].decode(String.self), idempotencyKey: try r["idempotency_key"].decode(String.self),
            recipient: try r["recipient"].decode(String.self), amountUnits: try r["amount_units"].decode(Int64.self),
            reason: try r["reason"].decode(String.self),
            router: Router(rawValue: try r["router"].decode(String.self)) ?? .v0,
            priority: Priority(rawValue: try r["priority"].decode(String.self)) ?? .immediate,
            status: PayoutStatus(rawValue: try r["status"].decode(String.self)) ?? .failed,
            batchID: try r["batch_id"].decode(String?.self), requestedBy: try r["requested_by"].decode(String.self),
            nodeID: try r["node_id"].decode(String?.self), kycHash: try r["kyc_hash"].decode(String?.self),
            createdAt: Date(milliseconds: try r["created_at_ms"].decode(Int64.self)),
            updatedAt: Date(milliseconds: try r["updated_at_ms"].decode(Int64.self)),
            scheduledFor: Date(milliseconds: try r["scheduled_for_ms"].decode(Int64.self)),
            txid: try r["txid"].decode(String?.self), failureReason: try r["failure_reason"].decode(String?.self))
        if let number = try r["block_number"].decode(Int64?.self), let time = try r["block_time_ms"].decode(Int64?.self)
        {
            payout.chain = Payout.ChainRecord(
                blockNumber: number, blockTime: Date(milliseconds: time), feeSun: try r["fee_sun"].decode(Int64?.self),
                energyUsed: try r["energy_used"].decode(Int64?.self),
                bandwidthUsed: try r["bandwidth_used"].decode(Int64?.self))
        }
        return (try r["seq"].decode(Int64.self), payout)
    }

    /// Every payout the query returns, in the order it returns them.
    static func payouts(_ rows: PostgresRowSequence) async throws -> [(sequence: Int64, payout: Payout)] {
        var result: [(sequence: Int64, payout: Payout)] = []
        for try await row in rows { result.append(try payout(from: row)) }
        return result
    }

    /// The columns of a new payout row, in `insertPayoutColumns` order.
    static let insertPayoutColumns = [
        "id", "idempotency_key", "recipient", "amount_units", "reason", "router", "priority", "status", "batch_id",
        "batch_index", "requested_by", "node_id", "kyc_hash", "created_at_ms", "updated_at_ms", "scheduled_for_ms",
        "txid", "failure_reason",
    ]

    static func insertValues(_ payout: Payout, batchIndex: Int?) -> [SQLValue] {
        [
            .text(payout.id), .text(payout.idempotencyKey), .text(payout.recipient), .int(payout.amountUnits),
            .text(payout.reason), .text(payout.router.rawValue), .text(payout.priority.rawValue),
            .text(payout.status.rawValue), .text(payout.batchID), .int(batchIndex.map(Int64.init)),
            .text(payout.requestedBy), .text(payout.nodeID), .text(payout.kycHash), .int(payout.createdAt.milliseconds),
            .int(payout.updatedAt.milliseconds), .int(payout.scheduledFor.milliseconds), .text(payout.txid),
            .text(payout.failureReason),
        ]
    }

    /// `INSERT INTO table (columns) VALUES (…), (…)`, in statements of at most ~30,000 bound values.
    static func insert(
        into table: String, columns: [String], rows: [[SQLValue]], on connection: PostgresConnection, logger: Logger
    ) async throws {
        guard !rows.isEmpty, !columns.isEmpty else { return }
        let perStatement = max(1, 30_000 / columns.count)
        var start = 0
        while start < rows.count {
            let chunk = rows[start..<min(rows.count, start + perStatement)]
            var bindings = PostgresBindings(capacity: chunk.count * columns.count)
            var tuples: [String] = []
            tuples.reserveCapacity(chunk.count)
            for row in chunk {
                precondition(
                    row.count == columns.count, "insert row has \(row.count) values for \(columns.count) columns")
                let first = bindings.count + 1
                tuples.append("(" + (first..<(first + row.count)).map { "$\($0)" }.joined(separator: ", ") + ")")
                for value in row { bindings.append(value) }
            }
            let sql =
                "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES \(tuples.joined(separator: ", "))"
            try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
            start += chunk.count
        }
    }
}
