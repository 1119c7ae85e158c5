import Foundation
import Logging
import NIOCore
import PaymentCore
import PaymentStore
import PostgresNIO

extension PostgresLedger {
    /// Claims the due payouts that no other instance holds (free, expired or this instance's own lease) with
    /// FOR UPDATE SKIP LOCKED, stamps them with this epoch and a fresh lease, and returns them by due time then
    /// insertion order.
    public func duePayouts(at now: Date, limit: Int) async throws -> [Payout] {
        let ms = now.milliseconds
        let epoch = epoch
        let rows = try await transaction { connection in
            try await Self.payouts(
                connection.query(
                    """
                    WITH due AS (
                        SELECT id FROM payouts
                        WHERE status IN ('PENDING', 'SCHEDULED') AND scheduled_for_ms <= \(ms) AND next_attempt_ms <= \(ms)
                            AND (lease_epoch IS NULL OR lease_epoch = \(epoch) OR lease_until < clock_timestamp())
                        ORDER BY scheduled_for_ms, seq LIMIT \(Int64(limit))
                        FOR UPDATE SKIP LOCKED)
                    UPDATE payouts p SET lease_epoch = \(epoch), lease_until = clock_timestamp() + \(unescaped: leaseInterval)
                    FROM due WHERE p.id = due.id
                    RETURNING \(unescaped: Self.payoutColumns("p"))
                    """, logger: logger))
        }
        return rows.sorted { ($0.payout.scheduledFor, $0.sequence) < ($1.payout.scheduledFor, $1.sequence) }.map(
            \.payout)
    }

    /// Claims every SIGNED or BROADCAST payout that no other instance holds, and returns them with their LIVE
    /// transaction, in insertion order.
    public func inFlightPayouts() async throws -> [InFlightPayout] {
        let epoch = epoch
        let rows = try await transaction { connection in
            var items: [(Int64, InFlightPayout)] = []
            for try await row in try await connection.query(
                """
                WITH mine AS (
                    SELECT id FROM payouts
                    WHERE status IN ('SIGNED', 'BROADCAST')
                        AND (lease_epoch IS NULL OR lease_epoch = \(epoch) OR lease_until < clock_timestamp())
                    ORDER BY seq FOR UPDATE SKIP LOCKED),
                claimed AS (
                    UPDATE payouts p SET lease_epoch = \(epoch), lease_until = clock_timestamp() + \(unescaped: leaseInterval)
                    FROM mine WHERE p.id = mine.id
                    RETURNING \(unescaped: Self.payoutColumns("p")))
                SELECT claimed.*, t.txid AS live_txid, t.transaction_bytes, t.expiration_ms, t.outcome
                FROM claimed JOIN payout_transactions t ON t.payout_id = claimed.id AND t.outcome = 'LIVE'
                """, logger: logger)
            {
                let (sequence, payout) = try Self.payout(from: row)
                let r = row.makeRandomAccess()
                let bytes = try r["transaction_bytes"].decode(ByteBuffer.self)
                items.append(
                    (
                        sequence,
                        InFlightPayout(
                            payout: payout,
                            transaction: StoredTransaction(
                                txid: try r["live_txid"].decode(String.self),
                                transactionBytes: Array(bytes.readableBytesView),
                                expirationMilliseconds: try r["expiration_ms"].decode(Int64.self),
                                outcome: try r["outcome"].decode(String.self)),
                            attempts: Int(try r["attempts"].decode(Int64.self)),
                            nextAttempt: Date(milliseconds: try r["next_attempt_ms"].decode(Int64.self)))
                    ))
            }
            return items
        }
        return rows.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// Renews and returns the leases this epoch still holds among `payoutIDs`.
    public func renewLeases(payoutIDs: [String]) async throws -> Set<String> {
        guard !payoutIDs.isEmpty else { return [] }
        let epoch = epoch
        return try await transaction { connection in
            var held: Set<String> = []
            for try await id in try await connection.query(
                """
                UPDATE payouts SET lease_until = clock_timestamp() + \(unescaped: leaseInterval)
                WHERE id = ANY(\(payoutIDs)) AND lease_epoch = \(epoch) AND lease_until > clock_timestamp()
                RETURNING id
                """, logger: logger
            ).decode(String.self) {
                held.insert(id)
            }
            return held
        }
    }

    /// Inserts the transaction as LIVE and sets the payout SIGNED with its txid; fenced, and with `outflowLimits`
    /// under the signers' advisory lock.
    public func recordSigned(
        payoutID: String, transaction: StoredTransaction, outflowLimits: LimitPolicy?, at now: Date
    ) async throws {
        try await fenced(payoutID) { connection, payout in
            try Self.requireMove(payout, to: .signed)
            if let outflowLimits {
                // Read to its end: a lock wait that gives up (55P03) fails here, not as the next statement's 25P02.
                for try await _ in try await connection.query(
                    "SELECT pg_advisory_xact_lock(\(Self.outflowLockKey))::text", logger: logger
                ).decode(String.self) {}
                let signed = try await Self.signedOutflow(
                    hourStart: UTCWindow.hourStart(now), dayStart: UTCWindow.dayStart(now), on: connection,
                    logger: logger)
                if case .wait(let until, let limit, let reason) = PayoutStep.decideSigning(
                    amountUnits: payout.amountUnits, signed: signed, limits: outflowLimits, now: now)
                {
                    throw OutflowRefusal(until: until, limit: limit, reason: reason)
                }
            }
            for try await live in try await connection.query(
                "SELECT COUNT(*) FROM payout_transactions WHERE payout_id = \(payoutID) AND outcome = 'LIVE'",
                logger: logger
            ).decode(Int64.self) where live > 0 {
                throw PaymentError(
                    .failedPrecondition,
                    "payout \(payoutID) still has a live transaction; retire it before signing another")
            }
            try await connection.query(
                """
                INSERT INTO payout_transactions (txid, payout_id, transaction_bytes, expiration_ms, created_at_ms)
                VALUES (\(transaction.txid), \(payoutID), \(ByteBuffer(bytes: transaction.transactionBytes)),
                    \(transaction.expirationMilliseconds), \(now.milliseconds))
                """, logger: logger)
            try await connection.query(
                """
                UPDATE payouts SET status = 'SIGNED', txid = \(transaction.txid), updated_at_ms = \(now.milliseconds),
                    last_error = NULL WHERE id = \(payoutID)
                """, logger: logger)
        }
    }

    /// SIGNED → BROADCAST; nothing when `txid` is not current or the payout is already BROADCAST.
    public func recordBroadcast(payoutID: String, txid: String, at now: Date) async throws {
        try await fenced(payoutID) { connection, payout in
            guard payout.txid == txid else { return }
            if payout.status == .broadcast { return }
            try Self.requireMove(payout, to: .broadcast)
            try await connection.query(
                """
                UPDATE payouts SET status = 'BROADCAST', updated_at_ms = \(now.milliseconds), last_error = NULL
                WHERE id = \(payoutID)
                """, logger: logger)
        }
    }

    /// Records the block and sets BROADCAST; nothing when `txid` is not current or the payout is final.
    public func recordIncluded(payoutID: String, txid: String, blockNumber: Int64, blockTime: Date, at now: Date)
        async throws
    {
        try await fenced(payoutID) { connection, payout in
            guard payout.txid == txid, !payout.status.isFinal else { return }
            try await connection.query(
                """
                UPDATE payouts SET status = 'BROADCAST', block_number = \(blockNumber),
                    block_time_ms = \(blockTime.milliseconds), updated_at_ms = \(now.milliseconds)
                WHERE id = \(payoutID)
                """, logger: logger)
        }
    }

    /// Marks the LIVE transaction EXPIRED and counts an attempt; FAILED with `failReason`, else PENDING again at
    /// `retryAt`. Nothing when `txid` is not current or the payout is final.
    public func retireTransaction(
        payoutID: String, txid: String, failReason: String?, retryAt: Date, error: String, at now: Date
    ) async throws {
        try await fenced(payoutID) { connection, payout in
            guard payout.txid == txid, !payout.status.isFinal else { return }
            try await connection.query(
                "UPDATE payout_transactions SET outcome = 'EXPIRED' WHERE txid = \(txid) AND outcome = 'LIVE'",
                logger: logger)
            if let failReason {
                try await connection.query(
                    """
                    UPDATE payouts SET status = 'FAILED', failure_reason = \(failReason), attempts = attempts + 1,
                        last_error = \(error), updated_at_ms = \(now.milliseconds) WHERE id = \(payoutID)
                    """, logger: logger)
            } else {
                try Self.requireMove(payout, to: .pending)
                try await connection.query(
                    """
                    UPDATE payouts SET status = 'PENDING', txid = NULL, attempts = attempts + 1,
                        next_attempt_ms = \(retryAt.milliseconds), last_error = \(error), block_number = NULL,
                        block_time_ms = NULL, updated_at_ms = \(now.milliseconds) WHERE id = \(payoutID)
                    """, logger: logger)
            }
        }
    }

    /// CONFIRMED or FAILED with the receipt figures; nothing when already final.
    public func recordFinal(payoutID: String, txid: String?, outcome: FinalOutcome, at now: Date) async throws {
        try await fenced(payoutID) { connection, payout in
            if payout.status.isFinal { return }
            let status: PayoutStatus = outcome.confirmed ? .confirmed : .failed
            try Self.requireMove(payout, to: status)
            try await connection.query(
                """
                UPDATE payouts SET status = \(status.rawValue), failure_reason = \(outcome.reason),
                    block_number = COALESCE(\(outcome.blockNumber), block_number),
                    block_time_ms = COALESCE(\(outcome.blockTime?.milliseconds), block_time_ms),
                    fee_sun = \(outcome.feeSun), energy_used = \(outcome.energyUsed),
                    bandwidth_used = \(outcome.bandwidthUsed), updated_at_ms = \(now.milliseconds),
                    lease_epoch = NULL, lease_until = NULL
                WHERE id = \(payoutID)
                """, logger: logger)
            if let txid {
                try await connection.query(
                    "UPDATE payout_transactions SET outcome = \(status.rawValue) WHERE txid = \(txid)", logger: logger)
            }
        }
    }

    /// `last_error` and `next_attempt` only; an unknown id is ignored, a lost lease is not.
    public func recordDeferral(payoutID: String, error: String, retryAt: Date, at now: Date) async throws {
        do {
            try await fenced(payoutID) { connection, _ in
                try await connection.query(
                    """
                    UPDATE payouts SET last_error = \(error), next_attempt_ms = \(retryAt.milliseconds)
                    WHERE id = \(payoutID)
                    """, logger: logger)
            }
        } catch let error as PaymentError where error.code == .notFound {
            return
        }
    }

    /// Every transaction of the payout, oldest first.
    public func transactions(ofPayout payoutID: String) async throws -> [StoredTransaction] {
        try await read { client in
            var result: [StoredTransaction] = []
            for try await (txid, bytes, expiration, outcome) in try await client.query(
                """
                SELECT txid, transaction_bytes, expiration_ms, outcome FROM payout_transactions
                WHERE payout_id = \(payoutID) ORDER BY created_at_ms, seq
                """, logger: logger
            ).decode((String, ByteBuffer, Int64, String).self) {
                result.append(
                    StoredTransaction(
                        txid: txid, transactionBytes: Array(bytes.readableBytesView),
                        expirationMilliseconds: expiration,
                        outcome: outcome))
            }
            return result
        }
    }

    /// The amounts signed in the windows, by every instance (see `ProcessingLedger.signedOutflow`).
    public func signedOutflow(hourStart: Date, dayStart: Date) async throws -> PayoutStep.Outflow {
        try await read { client in
            try await Self.signedOutflow(hourStart: hourStart, dayStart: dayStart, on: client, logger: logger)
        }
    }

    /// `COUNT(*)` with `duePayouts`' condition, whoever holds them.
    public func countDuePayouts(at now: Date) async throws -> Int {
        let ms = now.milliseconds
        return try await read { client in
            for try await count in try await client.query(
                """
                SELECT COUNT(*) FROM payouts
                WHERE status IN ('PENDING', 'SCHEDULED') AND scheduled_for_ms <= \(ms) AND next_attempt_ms <= \(ms)
                """, logger: logger
            ).decode(Int64.self) {
                return Int(count)
            }
            return 0
        }
    }

    /// Moves a PENDING or SCHEDULED payout to CANCELLED and gives its amount back to its windows (never below 0).
    public func cancelPayout(id: String, reason: String, at now: Date) async throws -> Payout {
        try await transaction { connection in
            let stored = try await Self.payouts(
                connection.query(
                    "SELECT \(unescaped: Self.payoutColumns()) FROM payouts WHERE id = \(id) FOR UPDATE", logger: logger
                )
            ).first?.payout
            let (payout, changed) = try LedgerRules.cancelling(stored, id: id, reason: reason, at: now)
            guard changed else { return payout }
            try await connection.query(
                """
                UPDATE payouts SET status = 'CANCELLED', updated_at_ms = \(now.milliseconds),
                    failure_reason = \(payout.failureReason), lease_epoch = NULL, lease_until = NULL
                WHERE id = \(id)
                """, logger: logger)
            let windows = [LimitUsageWindows.dayKey(payout.createdAt), LimitUsageWindows.hourKey(payout.createdAt)]
            try await connection.query(
                """
                UPDATE limit_usage SET units = GREATEST(0, units - \(payout.amountUnits))
                WHERE window_key = ANY(\(windows))
                """, logger: logger)
            return payout
        }
    }

    // MARK: Fencing

    static let outflowLockKey: Int64 = 0x6c75_6369_645f_6f66  // "lucid_of"

    /// Runs `body` in a transaction holding the payout's row lock, only while this epoch holds its lease: otherwise
    /// `LeaseLost` with nothing written (rule 5). NOT_FOUND for an unknown id. One statement takes the row lock,
    /// checks the lease and renews it.
    func fenced(
        _ payoutID: String, _ body: (PostgresConnection, Payout) async throws -> Void
    ) async throws {
        let epoch = epoch
        try await transaction { connection in
            let held = try await Self.payouts(
                connection.query(
                    """
                    UPDATE payouts SET lease_until = clock_timestamp() + \(unescaped: leaseInterval)
                    WHERE id = \(payoutID) AND lease_epoch = \(epoch) AND lease_until > clock_timestamp()
                    RETURNING \(unescaped: Self.payoutColumns())
                    """, logger: logger))
            guard let payout = held.first?.payout else {
                // Not held: say which of the two it is (the rare path).
                let exists = try await connection.query("SELECT 1 FROM payouts WHERE id = \(payoutID)", logger: logger)
                for try await _ in exists { throw LeaseLost(payoutID: payoutID, epoch: epoch) }
                throw PaymentError(.notFound, "payout \(payoutID) does not exist")
            }
            try await body(connection, payout)
        }
    }

    static func signedOutflow(hourStart: Date, dayStart: Date, on querier: some PostgresQuerier, logger: Logger)
        async throws -> PayoutStep.Outflow
    {
        // numeric sums, checked into Int64: an overflow is an error, never a wrapped number.
        for try await (hour, day) in try await querier.run(
            """
            SELECT COALESCE(SUM(CASE WHEN t.created_at_ms >= \(hourStart.milliseconds) THEN p.amount_units ELSE 0 END), 0)::text,
                COALESCE(SUM(p.amount_units), 0)::text
            FROM payout_transactions t JOIN payouts p ON p.id = t.payout_id
            WHERE t.created_at_ms >= \(min(dayStart, hourStart).milliseconds) AND t.outcome <> 'EXPIRED'
            """, logger: logger
        ).decode((String, String).self) {
            guard let hourUnits = Int64(hour), let dayUnits = Int64(day) else {
                throw PaymentError(.internal, "the signed outflow sums overflow Int64")
            }
            return PayoutStep.Outflow(hourUnits: hourUnits, dayUnits: dayUnits)
        }
        return PayoutStep.Outflow(hourUnits: 0, dayUnits: 0)
    }

    static func requireMove(_ payout: Payout, to next: PayoutStatus) throws {
        try LedgerRules.requireMove(payout, to: next)
    }
}
