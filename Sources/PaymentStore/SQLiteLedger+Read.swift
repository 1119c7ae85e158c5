import Foundation
import GRDB
import PaymentCore

extension SQLiteLedger {
    /// Reads the row by id; nil when no payout has it. The id is not validated here (the caller does that).
    public func payout(id: String) async throws -> Payout? {
        try await read { db in try Self.fetchPayout(id: id, db: db) }
    }

    /// One `SELECT … WHERE id IN (…)` for all of `ids`; unknown ids are left out, order is the database's.
    public func payouts(ids: [String]) async throws -> [Payout] {
        guard !ids.isEmpty else { return [] }
        return try await read { db in
            let marks = Array(repeating: "?", count: ids.count).joined(separator: ", ")
            return try Row.fetchAll(
                db, sql: "SELECT * FROM payouts WHERE id IN (\(marks))", arguments: StatementArguments(ids)
            ).map(Self.payout(from:))
        }
    }

    /// Newest first by insertion sequence; fetches `limit + 1` rows to know whether another page follows. `status`
    /// is compared with the effective status at `now`. `limit` must be > 0 (PaymentService allows 1...100).
    public func listPayouts(
        _ filter: PayoutFilter, limit: Int, after cursor: PayoutCursor?, now: Date
    ) async throws -> PayoutPage {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let status = filter.status {
            conditions.append("(\(Self.effectiveStatusSQL)) = ?")
            arguments += [now.milliseconds, status.rawValue]
        }
        if let router = filter.router {
            conditions.append("router = ?")
            arguments.append(router.rawValue)
        }
        if let recipient = filter.recipient {
            conditions.append("recipient = ?")
            arguments.append(recipient)
        }
        if let batchID = filter.batchID {
            conditions.append("batch_id = ?")
            arguments.append(batchID)
        }
        if let requestedBy = filter.requestedBy {
            conditions.append("requested_by = ?")
            arguments.append(requestedBy)
        }
        if let from = filter.createdFrom {
            conditions.append("created_at_ms >= ?")
            arguments.append(from.milliseconds)
        }
        if let before = filter.createdBefore {
            conditions.append("created_at_ms < ?")
            arguments.append(before.milliseconds)
        }
        if let cursor {
            conditions.append("seq < ?")
            arguments.append(cursor.sequence)
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT * FROM payouts \(whereClause) ORDER BY seq DESC LIMIT \(limit + 1)"
        let values = arguments.map(\.databaseValue)
        let rows = try await read { db in
            try Row.fetchAll(db, sql: sql, arguments: StatementArguments(values)).map { row in
                (sequence: row["seq"] as Int64, payout: Self.payout(from: row))
            }
        }
        let page = rows.prefix(limit)
        let next = rows.count > limit ? page.last.map { PayoutCursor(sequence: $0.sequence) } : nil
        return PayoutPage(payouts: page.map(\.payout), next: next)
    }

    /// The batch row and its payouts ordered by `batch_index`; nil when no batch has the id.
    public func batch(id: String) async throws -> BatchWithPayouts? {
        try await read { db in try Self.fetchBatch(id: id, db: db) }
    }

    /// Counts by effective status at `now`, and the `limit_usage` rows of the UTC day and hour holding `now`.
    public func stats(at now: Date) async throws -> LedgerStats {
        try await read { db in
            var counts = Dictionary(uniqueKeysWithValues: PayoutStatus.allCases.map { ($0, Int64(0)) })
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT \(Self.effectiveStatusSQL) AS effective, COUNT(*) AS n FROM payouts GROUP BY effective",
                arguments: [now.milliseconds])
            for row in rows {
                if let status = PayoutStatus(rawValue: row["effective"]) { counts[status] = row["n"] }
            }
            let day =
                try Int64.fetchOne(
                    db, sql: "SELECT units FROM limit_usage WHERE window = ?",
                    arguments: [LimitUsageWindows.dayKey(now)]) ?? 0
            let hour =
                try Int64.fetchOne(
                    db, sql: "SELECT units FROM limit_usage WHERE window = ?",
                    arguments: [LimitUsageWindows.hourKey(now)]) ?? 0
            let oldest = try Int64.fetchOne(
                db,
                sql: """
                    SELECT MIN(MAX(created_at_ms, COALESCE(scheduled_for_ms, 0))) FROM payouts
                    WHERE status IN ('PENDING', 'SIGNED', 'BROADCAST') OR (status = 'SCHEDULED' AND scheduled_for_ms <= ?)
                    """,
                arguments: [now.milliseconds])
            return LedgerStats(
                countsByStatus: counts, usage: LimitUsage(dayUnits: day, hourUnits: hour),
                oldestUnfinishedDueAt: oldest.map { Date(milliseconds: $0) })
        }
    }

    /// A SCHEDULED payout whose time has come reads as PENDING (one `?`: now in milliseconds).
    static let effectiveStatusSQL =
        "CASE WHEN status = 'SCHEDULED' AND scheduled_for_ms <= ? THEN 'PENDING' ELSE status END"

    static func fetchPayout(id: String, db: Database) throws -> Payout? {
        try Row.fetchOne(db, sql: "SELECT * FROM payouts WHERE id = ?", arguments: [id]).map(payout(from:))
    }

    static func fetchBatch(id: String, db: Database) throws -> BatchWithPayouts? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM batches WHERE id = ?", arguments: [id]) else {
            return nil
        }
        let batch = Batch(
            id: row["id"], idempotencyKey: row["idempotency_key"],
            batchType: Priority(rawValue: row["batch_type"]) ?? .immediate, itemCount: row["item_count"],
            totalUnits: row["total_units"], scheduledFor: Date(milliseconds: row["scheduled_for_ms"]),
            createdAt: Date(milliseconds: row["created_at_ms"]), requestedBy: row["requested_by"])
        let payouts = try Row.fetchAll(
            db, sql: "SELECT * FROM payouts WHERE batch_id = ? ORDER BY batch_index", arguments: [id]
        ).map(payout(from:))
        return BatchWithPayouts(batch: batch, payouts: payouts)
    }

    static func payout(from row: Row) -> Payout {
        var payout = Payout(
            id: row["id"], idempotencyKey: row["idempotency_key"], recipient: row["recipient"],
            amountUnits: row["amount_units"], reason: row["reason"],
            router: Router(rawValue: row["router"]) ?? .v0, priority: Priority(rawValue: row["priority"]) ?? .immediate,
            status: PayoutStatus(rawValue: row["status"]) ?? .failed, batchID: row["batch_id"],
            requestedBy: row["requested_by"], nodeID: row["node_id"], kycHash: row["kyc_hash"],
            createdAt: Date(milliseconds: row["created_at_ms"]), updatedAt: Date(milliseconds: row["updated_at_ms"]),
            scheduledFor: Date(milliseconds: row["scheduled_for_ms"]), txid: row["txid"],
            failureReason: row["failure_reason"])
        if let number: Int64 = row["block_number"], let time: Int64 = row["block_time_ms"] {
            payout.chain = Payout.ChainRecord(
                blockNumber: number, blockTime: Date(milliseconds: time), feeSun: row["fee_sun"],
                energyUsed: row["energy_used"], bandwidthUsed: row["bandwidth_used"])
        }
        return payout
    }
}
