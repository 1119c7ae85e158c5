import Foundation
import Logging
import PaymentCore
import PaymentStore
import PostgresNIO

/// What reads run on: the pool, or a connection inside a transaction.
protocol PostgresQuerier {
    func run(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence
}

extension PostgresConnection: PostgresQuerier {
    func run(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        try await self.query(query, logger: logger)
    }
}

extension PostgresClient: PostgresQuerier {
    func run(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        try await self.query(query, logger: logger)
    }
}

extension PostgresLedger {
    /// The row by id; nil when no payout has it.
    public func payout(id: String) async throws -> Payout? {
        try await read { client in try await Self.fetchPayout(id: id, on: client, logger: logger) }
    }

    /// One `SELECT … WHERE id = ANY(…)`; unknown ids are left out.
    public func payouts(ids: [String]) async throws -> [Payout] {
        guard !ids.isEmpty else { return [] }
        return try await read { client in
            try await Self.payouts(
                client.query(
                    "SELECT \(unescaped: Self.payoutColumns()) FROM payouts WHERE id = ANY(\(ids))", logger: logger)
            ).map(\.payout)
        }
    }

    /// Newest first by insertion sequence, `limit + 1` rows to know whether another page follows; `status` is the
    /// effective status at `now`.
    public func listPayouts(_ filter: PayoutFilter, limit: Int, after cursor: PayoutCursor?, now: Date) async throws
        -> PayoutPage
    {
        var conditions: [String] = []
        var bindings = PostgresBindings()
        func bind(_ value: SQLValue) -> String {
            bindings.append(value)
            return "$\(bindings.count)"
        }
        if let status = filter.status {
            conditions.append(
                "(\(Self.effectiveStatusSQL(now: bind(.int(now.milliseconds))))) = \(bind(.text(status.rawValue)))")
        }
        if let router = filter.router { conditions.append("router = \(bind(.text(router.rawValue)))") }
        if let recipient = filter.recipient { conditions.append("recipient = \(bind(.text(recipient)))") }
        if let batchID = filter.batchID { conditions.append("batch_id = \(bind(.text(batchID)))") }
        if let requestedBy = filter.requestedBy { conditions.append("requested_by = \(bind(.text(requestedBy)))") }
        if let from = filter.createdFrom { conditions.append("created_at_ms >= \(bind(.int(from.milliseconds)))") }
        if let before = filter.createdBefore {
            conditions.append("created_at_ms < \(bind(.int(before.milliseconds)))")
        }
        if let cursor { conditions.append("seq < \(bind(.int(cursor.sequence)))") }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql =
            "SELECT \(Self.payoutColumns()) FROM payouts \(whereClause) ORDER BY seq DESC LIMIT \(max(1, limit) + 1)"
        let query = PostgresQuery(unsafeSQL: sql, binds: bindings)
        let rows = try await read { client in try await Self.payouts(client.query(query, logger: logger)) }
        let page = rows.prefix(limit)
        let next = rows.count > limit ? page.last.map { PayoutCursor(sequence: $0.sequence) } : nil
        return PayoutPage(payouts: page.map(\.payout), next: next)
    }

    /// The batch row and its payouts by item index; nil when no batch has the id.
    public func batch(id: String) async throws -> BatchWithPayouts? {
        try await read { client in try await Self.fetchBatch(id: id, on: client, logger: logger) }
    }

    /// Counts by effective status, the usage rows of `now`'s day and hour, and the oldest unfinished due time.
    public func stats(at now: Date) async throws -> LedgerStats {
        let ms = now.milliseconds
        return try await read { client in
            var counts = Dictionary(uniqueKeysWithValues: PayoutStatus.allCases.map { ($0, Int64(0)) })
            for try await (effective, count) in try await client.query(
                """
                SELECT CASE WHEN status = 'SCHEDULED' AND scheduled_for_ms <= \(ms) THEN 'PENDING' ELSE status END AS effective,
                    COUNT(*) FROM payouts GROUP BY effective
                """, logger: logger
            ).decode((String, Int64).self) {
                if let status = PayoutStatus(rawValue: effective) { counts[status] = count }
            }
            var day: Int64 = 0
            var hour: Int64 = 0
            let dayKey = LimitUsageWindows.dayKey(now)
            let hourKey = LimitUsageWindows.hourKey(now)
            for try await (window, units) in try await client.query(
                "SELECT window_key, units FROM limit_usage WHERE window_key IN (\(dayKey), \(hourKey))", logger: logger
            ).decode((String, Int64).self) {
                if window == dayKey { day = units } else { hour = units }
            }
            var oldest: Int64?
            for try await value in try await client.query(
                """
                SELECT MIN(GREATEST(created_at_ms, scheduled_for_ms)) FROM payouts
                WHERE status IN ('PENDING', 'SIGNED', 'BROADCAST') OR (status = 'SCHEDULED' AND scheduled_for_ms <= \(ms))
                """, logger: logger
            ).decode(Int64?.self) {
                oldest = value
            }
            return LedgerStats(
                countsByStatus: counts, usage: LimitUsage(dayUnits: day, hourUnits: hour),
                oldestUnfinishedDueAt: oldest.map { Date(milliseconds: $0) })
        }
    }

    /// The `breaker` row; nil before the first save or when the stored state is not a known one.
    public func loadBreaker() async throws -> BreakerSnapshot? {
        try await read { client in
            for try await (state, reason, openedAt, manual, version) in try await client.query(
                "SELECT state, reason, opened_at_ms, manual, version FROM breaker WHERE id = 1", logger: logger
            ).decode((String, String?, Int64?, Bool, Int64).self) {
                guard let state = CircuitBreaker.State(rawValue: state) else { return nil }
                let opening = openedAt.map {
                    CircuitBreaker.Opening(at: Date(milliseconds: $0), reason: reason ?? "", manual: manual)
                }
                return BreakerSnapshot(state: state, opening: opening, version: version)
            }
            return nil
        }
    }

    /// Writes the `breaker` row only while its version is still `snapshot.version`: the first save inserts it
    /// (version 1) unless another instance did first; later ones update it only at the expected version.
    @discardableResult
    public func saveBreaker(_ snapshot: BreakerSnapshot) async throws -> Int64? {
        let state = snapshot.state.rawValue
        let reason = snapshot.opening?.reason
        let openedAt = snapshot.opening?.at.milliseconds
        let manual = snapshot.opening?.manual ?? false
        let expected = snapshot.version
        let query: PostgresQuery =
            expected == 0
            ? """
            INSERT INTO breaker (id, state, reason, opened_at_ms, manual, version)
            VALUES (1, \(state), \(reason), \(openedAt), \(manual), 1)
            ON CONFLICT (id) DO NOTHING RETURNING version
            """
            : """
            UPDATE breaker SET state = \(state), reason = \(reason), opened_at_ms = \(openedAt), manual = \(manual),
                version = version + 1
            WHERE id = 1 AND version = \(expected) RETURNING version
            """
        return try await Self.storageErrors("write") {
            for try await version in try await client.query(query, logger: logger).decode(Int64.self) {
                return version
            }
            return nil
        }
    }

    /// A SCHEDULED payout whose time has come reads as PENDING; `now` is the placeholder of now in milliseconds.
    static func effectiveStatusSQL(now: String) -> String {
        "CASE WHEN status = 'SCHEDULED' AND scheduled_for_ms <= \(now) THEN 'PENDING' ELSE status END"
    }

    static func fetchPayout(id: String, on querier: some PostgresQuerier, logger: Logger) async throws -> Payout? {
        try await payouts(
            querier.run("SELECT \(unescaped: payoutColumns()) FROM payouts WHERE id = \(id)", logger: logger)
        ).first?.payout
    }

    static func fetchBatch(id: String, on querier: some PostgresQuerier, logger: Logger) async throws
        -> BatchWithPayouts?
    {
        var batch: Batch?
        for try await (id, key, type, count, total, scheduled, created, requestedBy) in try await querier.run(
            """
            SELECT id, idempotency_key, batch_type, item_count, total_units, scheduled_for_ms, created_at_ms, requested_by
            FROM batches WHERE id = \(id)
            """, logger: logger
        ).decode((String, String, String, Int64, Int64, Int64, Int64, String).self) {
            batch = Batch(
                id: id, idempotencyKey: key, batchType: Priority(rawValue: type) ?? .immediate, itemCount: Int(count),
                totalUnits: total, scheduledFor: Date(milliseconds: scheduled), createdAt: Date(milliseconds: created),
                requestedBy: requestedBy)
        }
        guard let batch else { return nil }
        let payouts = try await payouts(
            querier.run(
                "SELECT \(unescaped: payoutColumns()) FROM payouts WHERE batch_id = \(id) ORDER BY batch_index",
                logger: logger))
        return BatchWithPayouts(batch: batch, payouts: payouts.map(\.payout))
    }
}
