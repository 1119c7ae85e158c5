import Foundation
import GRDB
import PaymentCore

extension SQLiteLedger: ProcessingLedger {
    /// PENDING or SCHEDULED payouts with `scheduled_for` and `next_attempt` at or before `now`, by due time then
    /// insertion order, at most `limit`.
    public func duePayouts(at now: Date, limit: Int) async throws -> [Payout] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM payouts
                    WHERE status IN ('PENDING', 'SCHEDULED') AND scheduled_for_ms <= ? AND next_attempt_ms <= ?
                    ORDER BY scheduled_for_ms, seq LIMIT ?
                    """,
                arguments: [now.milliseconds, now.milliseconds, limit]
            ).map(Self.payout(from:))
        }
    }

    /// Every SIGNED or BROADCAST payout joined with its LIVE transaction, in insertion order. A payout in flight
    /// without a LIVE transaction (which rule 1 rules out) is left out.
    public func inFlightPayouts() async throws -> [InFlightPayout] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT p.*, t.txid AS live_txid, t.transaction_bytes, t.expiration_ms, t.outcome
                    FROM payouts p JOIN payout_transactions t ON t.payout_id = p.id AND t.outcome = 'LIVE'
                    WHERE p.status IN ('SIGNED', 'BROADCAST')
                    ORDER BY p.seq
                    """
            ).map { row in
                InFlightPayout(
                    payout: Self.payout(from: row),
                    transaction: StoredTransaction(
                        txid: row["live_txid"], transactionBytes: [UInt8](row["transaction_bytes"] as Data),
                        expirationMilliseconds: row["expiration_ms"], outcome: row["outcome"]),
                    attempts: row["attempts"], nextAttempt: Date(milliseconds: row["next_attempt_ms"]))
            }
        }
    }

    /// Inserts the transaction as LIVE and sets the payout SIGNED with its txid, in one transaction. Throws
    /// NOT_FOUND for an unknown payout, FAILED_PRECONDITION for an illegal move or while another transaction of
    /// the payout is LIVE (also a constraint: `payout_transactions_one_live`), and `OutflowRefusal` when
    /// `outflowLimits` would be passed (summed inside the write transaction, which SQLite runs one at a time).
    public func recordSigned(
        payoutID: String, transaction: StoredTransaction, outflowLimits: LimitPolicy?, at now: Date
    ) async throws {
        try await write { db in
            let payout = try Self.requirePayout(payoutID, db: db)
            try Self.requireMove(payout, to: .signed)
            if let outflowLimits {
                let signed = try Self.signedOutflow(
                    hourStart: UTCWindow.hourStart(now), dayStart: UTCWindow.dayStart(now), db: db)
                if case .wait(let until, let limit, let reason) = PayoutStep.decideSigning(
                    amountUnits: payout.amountUnits, signed: signed, limits: outflowLimits, now: now)
                {
                    throw OutflowRefusal(until: until, limit: limit, reason: reason)
                }
            }
            let live =
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM payout_transactions WHERE payout_id = ? AND outcome = 'LIVE'",
                    arguments: [payoutID]) ?? 0
            guard live == 0 else {
                throw PaymentError(
                    .failedPrecondition,
                    "payout \(payoutID) still has a live transaction; retire it before signing another")
            }
            try db.execute(
                sql: """
                    INSERT INTO payout_transactions (txid, payout_id, transaction_bytes, expiration_ms, created_at_ms)
                    VALUES (?, ?, ?, ?, ?)
                    """,
                arguments: [
                    transaction.txid, payoutID, Data(transaction.transactionBytes), transaction.expirationMilliseconds,
                    now.milliseconds,
                ])
            try db.execute(
                sql:
                    "UPDATE payouts SET status = 'SIGNED', txid = ?, updated_at_ms = ?, last_error = NULL WHERE id = ?",
                arguments: [transaction.txid, now.milliseconds, payoutID])
        }
    }

    /// Moves SIGNED → BROADCAST. Does nothing when `txid` is not the payout's current transaction or the payout is
    /// already BROADCAST; FAILED_PRECONDITION for any other state.
    public func recordBroadcast(payoutID: String, txid: String, at now: Date) async throws {
        try await write { db in
            let payout = try Self.requirePayout(payoutID, db: db)
            guard payout.txid == txid else { return }
            if payout.status == .broadcast { return }
            try Self.requireMove(payout, to: .broadcast)
            try db.execute(
                sql: "UPDATE payouts SET status = 'BROADCAST', updated_at_ms = ?, last_error = NULL WHERE id = ?",
                arguments: [now.milliseconds, payoutID])
        }
    }

    /// Records the block and sets the payout BROADCAST (from SIGNED or BROADCAST). Does nothing when `txid` is not
    /// the payout's current transaction or the payout is final.
    public func recordIncluded(payoutID: String, txid: String, blockNumber: Int64, blockTime: Date, at now: Date)
        async throws
    {
        try await write { db in
            let payout = try Self.requirePayout(payoutID, db: db)
            guard payout.txid == txid, !payout.status.isFinal else { return }
            try db.execute(
                sql: """
                    UPDATE payouts SET status = 'BROADCAST', block_number = ?, block_time_ms = ?, updated_at_ms = ?
                    WHERE id = ?
                    """,
                arguments: [blockNumber, blockTime.milliseconds, now.milliseconds, payoutID])
        }
    }

    /// Marks the LIVE transaction EXPIRED and counts an attempt: with `failReason` the payout is FAILED (txid kept);
    /// without, it goes back to PENDING with no txid and no block, due again at `retryAt`. `error` becomes
    /// `last_error`. Does nothing when `txid` is not current or the payout is final.
    public func retireTransaction(
        payoutID: String, txid: String, failReason: String?, retryAt: Date, error: String, at now: Date
    ) async throws {
        try await write { db in
            let payout = try Self.requirePayout(payoutID, db: db)
            guard payout.txid == txid, !payout.status.isFinal else { return }
            try db.execute(
                sql: "UPDATE payout_transactions SET outcome = 'EXPIRED' WHERE txid = ? AND outcome = 'LIVE'",
                arguments: [txid])
            if let failReason {
                try db.execute(
                    sql: """
                        UPDATE payouts SET status = 'FAILED', failure_reason = ?, attempts = attempts + 1, last_error = ?,
                            updated_at_ms = ? WHERE id = ?
                        """,
                    arguments: [failReason, error, now.milliseconds, payoutID])
            } else {
                try Self.requireMove(payout, to: .pending)
                // Back to the queue: nothing live is left, so the next attempt signs a new transaction.
                try db.execute(
                    sql: """
                        UPDATE payouts SET status = 'PENDING', txid = NULL, attempts = attempts + 1, next_attempt_ms = ?,
                            last_error = ?, block_number = NULL, block_time_ms = NULL, updated_at_ms = ? WHERE id = ?
                        """,
                    arguments: [retryAt.milliseconds, error, now.milliseconds, payoutID])
            }
        }
    }

    /// Sets CONFIRMED or FAILED with the receipt figures (a nil block keeps the recorded one) and gives the
    /// transaction the same outcome. Does nothing when the payout is already final; FAILED_PRECONDITION for an
    /// illegal move (CONFIRMED from PENDING).
    public func recordFinal(payoutID: String, txid: String?, outcome: FinalOutcome, at now: Date) async throws {
        try await write { db in
            let payout = try Self.requirePayout(payoutID, db: db)
            if payout.status.isFinal { return }
            let status: PayoutStatus = outcome.confirmed ? .confirmed : .failed
            try Self.requireMove(payout, to: status)
            try db.execute(
                sql: """
                    UPDATE payouts SET status = ?, failure_reason = ?, block_number = COALESCE(?, block_number),
                        block_time_ms = COALESCE(?, block_time_ms), fee_sun = ?, energy_used = ?, bandwidth_used = ?,
                        updated_at_ms = ? WHERE id = ?
                    """,
                arguments: [
                    status.rawValue, outcome.reason, outcome.blockNumber, outcome.blockTime?.milliseconds,
                    outcome.feeSun,
                    outcome.energyUsed, outcome.bandwidthUsed, now.milliseconds, payoutID,
                ])
            if let txid {
                try db.execute(
                    sql: "UPDATE payout_transactions SET outcome = ? WHERE txid = ?",
                    arguments: [status.rawValue, txid])
            }
        }
    }

    /// Sets `last_error` and `next_attempt` only: no status change, `updated_at` untouched. An unknown id is silently
    /// ignored.
    public func recordDeferral(payoutID: String, error: String, retryAt: Date, at now: Date) async throws {
        try await write { db in
            try db.execute(
                sql: "UPDATE payouts SET last_error = ?, next_attempt_ms = ? WHERE id = ?",
                arguments: [error, retryAt.milliseconds, payoutID])
        }
    }

    /// Every transaction of the payout, oldest first (by signing time, then insertion); empty for an unknown id.
    public func transactions(ofPayout payoutID: String) async throws -> [StoredTransaction] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM payout_transactions WHERE payout_id = ? ORDER BY created_at_ms, rowid",
                arguments: [payoutID]
            ).map {
                StoredTransaction(
                    txid: $0["txid"], transactionBytes: [UInt8]($0["transaction_bytes"] as Data),
                    expirationMilliseconds: $0["expiration_ms"], outcome: $0["outcome"])
            }
        }
    }

    /// One query over `payout_transactions` joined with `payouts`, counting `amount_units` for every transaction
    /// signed since `hourStart` (hour) and since the earlier of the two starts (day) whose outcome is not EXPIRED.
    /// SQLite raises "integer overflow" rather than wrap, so an overflow throws.
    public func signedOutflow(hourStart: Date, dayStart: Date) async throws -> PayoutStep.Outflow {
        try await read { db in try Self.signedOutflow(hourStart: hourStart, dayStart: dayStart, db: db) }
    }

    /// One processor per SQLite ledger: it holds every payout.
    public func renewLeases(payoutIDs: [String]) async throws -> Set<String> { Set(payoutIDs) }

    static func signedOutflow(hourStart: Date, dayStart: Date, db: Database) throws -> PayoutStep.Outflow {
        // SQLite's SUM raises "integer overflow" instead of wrapping, so the sums are checked.
        let row = try Row.fetchOne(
            db,
            sql: """
                SELECT COALESCE(SUM(CASE WHEN t.created_at_ms >= ? THEN p.amount_units ELSE 0 END), 0) AS hour_units,
                    COALESCE(SUM(p.amount_units), 0) AS day_units
                FROM payout_transactions t JOIN payouts p ON p.id = t.payout_id
                WHERE t.created_at_ms >= ? AND t.outcome != 'EXPIRED'
                """,
            arguments: [hourStart.milliseconds, min(dayStart, hourStart).milliseconds])
        return PayoutStep.Outflow(hourUnits: row?["hour_units"] ?? 0, dayUnits: row?["day_units"] ?? 0)
    }

    /// `COUNT(*)` with the same condition as `duePayouts`.
    public func countDuePayouts(at now: Date) async throws -> Int {
        try await read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) FROM payouts
                    WHERE status IN ('PENDING', 'SCHEDULED') AND scheduled_for_ms <= ? AND next_attempt_ms <= ?
                    """,
                arguments: [now.milliseconds, now.milliseconds]) ?? 0
        }
    }

    static func requirePayout(_ id: String, db: Database) throws -> Payout {
        guard let payout = try fetchPayout(id: id, db: db) else {
            throw PaymentError(.notFound, "payout \(id) does not exist")
        }
        return payout
    }

    static func requireMove(_ payout: Payout, to next: PayoutStatus) throws {
        try LedgerRules.requireMove(payout, to: next)
    }
}
