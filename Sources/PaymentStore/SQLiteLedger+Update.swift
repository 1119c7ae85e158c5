import Foundation
import GRDB
import PaymentCore

extension SQLiteLedger {
    /// Moves a PENDING or SCHEDULED payout to CANCELLED, with `failure_reason` "cancelled[: <reason>]", and takes
    /// its amount off the day and hour windows it was accepted in (never below 0), in one transaction. Throws
    /// NOT_FOUND for an unknown id and FAILED_PRECONDITION once it is SIGNED or later (or otherwise final).
    public func cancelPayout(id: String, reason: String, at now: Date) async throws -> Payout {
        try await write { db in
            let (payout, changed) = try LedgerRules.cancelling(
                Self.fetchPayout(id: id, db: db), id: id, reason: reason, at: now)
            guard changed else { return payout }
            try db.execute(
                sql: "UPDATE payouts SET status = ?, updated_at_ms = ?, failure_reason = ? WHERE id = ?",
                arguments: [payout.status.rawValue, now.milliseconds, payout.failureReason, id])
            // The amount no longer counts against the windows it was accepted in.
            for key in [LimitUsageWindows.dayKey(payout.createdAt), LimitUsageWindows.hourKey(payout.createdAt)] {
                try db.execute(
                    sql: "UPDATE limit_usage SET units = MAX(0, units - ?) WHERE window = ?",
                    arguments: [payout.amountUnits, key])
            }
            return payout
        }
    }

    /// Reads the single `breaker` row; nil before the first save or when the stored state is not a known one.
    public func loadBreaker() async throws -> BreakerSnapshot? {
        try await read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM breaker WHERE id = 1"),
                let state = CircuitBreaker.State(rawValue: row["state"])
            else { return nil }
            let openedAt: Int64? = row["opened_at_ms"]
            let opening = openedAt.map {
                CircuitBreaker.Opening(at: Date(milliseconds: $0), reason: row["reason"] ?? "", manual: row["manual"])
            }
            return BreakerSnapshot(state: state, opening: opening, version: row["version"])
        }
    }

    /// Upserts the single `breaker` row (id 1) if its version is still `snapshot.version`; the opening instant is
    /// stored in milliseconds.
    @discardableResult
    public func saveBreaker(_ snapshot: BreakerSnapshot) async throws -> Int64? {
        try await write { db in
            let stored = try Int64.fetchOne(db, sql: "SELECT version FROM breaker WHERE id = 1") ?? 0
            guard stored == snapshot.version else { return nil }
            try db.execute(
                sql: """
                    INSERT INTO breaker (id, state, reason, opened_at_ms, manual, version) VALUES (1, ?, ?, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET state = excluded.state, reason = excluded.reason,
                        opened_at_ms = excluded.opened_at_ms, manual = excluded.manual, version = excluded.version
                    """,
                arguments: [
                    snapshot.state.rawValue, snapshot.opening?.reason, snapshot.opening?.at.milliseconds,
                    snapshot.opening?.manual ?? false, stored + 1,
                ])
            return stored + 1
        }
    }
}
