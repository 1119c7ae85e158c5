import Foundation
import Logging
import PaymentCore
import PaymentStore
import PostgresNIO

extension PostgresLedger {
    /// Queues the create for the next group commit and waits until it is durable (see `PayoutLedger.createPayout`).
    public func createPayout(_ new: NewPayout, limits: LimitPolicy) async throws -> CreateOutcome<Payout> {
        try await creates.createPayout(new, limits: limits)
    }

    /// Queues the batch for the next group commit and waits until it is durable (see `PayoutLedger.createBatch`).
    public func createBatch(_ new: NewBatch, limits: LimitPolicy) async throws -> CreateOutcome<BatchWithPayouts> {
        try await creates.createBatch(new, limits: limits)
    }

    /// Commits a group of creates in one transaction. A storage failure of the group (a violated constraint, say)
    /// is retried create by create, so one bad create does not fail its neighbours; a refusal only ever fails its
    /// own create, because refusals are decided before anything is written.
    static func commit(_ operations: [CreateOperation], client: PostgresClient, logger: Logger) async
        -> [Result<CreateResult, any Error>]
    {
        do {
            return try await transaction(client: client, logger: logger) { connection in
                try await CreateGroup(operations: operations).run(on: connection, logger: logger)
            }
        } catch let error as StorageError where operations.count > 1 {
            logger.warning(
                "ledger group commit failed; committing its creates one by one",
                metadata: ["error": "\(error)", "group": "\(operations.count)"])
            var results: [Result<CreateResult, any Error>] = []
            for operation in operations { results += await commit([operation], client: client, logger: logger) }
            return results
        } catch {
            logger.error("ledger commit failed", metadata: ["error": "\(error)", "group": "\(operations.count)"])
            return operations.map { _ in .failure(error) }
        }
    }
}

/// One group commit: reads what the group's creates depend on (its limit windows, locked; its idempotency keys;
/// its KYC digests), decides every create in memory in order, then writes what was created in a few multi-row
/// statements.
///
/// Across instances: the limit windows' rows are locked (`FOR UPDATE`) before anything is read, so two groups with
/// a window in common run one after the other and each sees the other's usage and keys. Groups with no window in
/// common (either side of 00:00 UTC) can race on a key or a digest; the primary key and the UNIQUE constraint make
/// the later commit fail with 23505, and `transaction` runs it again, when it sees the winner.
private struct CreateGroup {
    struct ScopedKey: Hashable {
        var scope: String
        var key: String
    }

    let operations: [CreateOperation]

    /// Everything the group writes.
    private struct Writes {
        var batches: [[SQLValue]] = []
        var payouts: [[SQLValue]] = []
        var kycApprovals: [[SQLValue]] = []
        var keys: [[SQLValue]] = []
        var anyDueNow = false

        static let batchColumns = [
            "id", "idempotency_key", "batch_type", "item_count", "total_units", "scheduled_for_ms", "created_at_ms",
            "requested_by",
        ]
        static let kycColumns = ["digest", "payout_id", "not_after_ms", "created_at_ms"]
        static let keyColumns = ["scope", "key", "fingerprint", "payout_id", "batch_id", "created_at_ms"]

        /// Writes the rows, the new usage of the windows and the NOTIFY in one statement (data-modifying CTEs; the
        /// foreign keys are checked at its end, when every row is in), while the group holds the windows' locks.
        /// A group too large for one statement's bound values writes table by table.
        func run(usage: (keys: [String], units: [Int64])?, on connection: PostgresConnection, logger: Logger)
            async throws
        {
            let tables: [(String, [String], [[SQLValue]])] = [
                ("batches", Self.batchColumns, batches), ("payouts", PostgresLedger.insertPayoutColumns, payouts),
                ("kyc_approvals", Self.kycColumns, kycApprovals), ("idempotency_keys", Self.keyColumns, keys),
            ]
            let values = tables.reduce(0) { $0 + $1.1.count * $1.2.count }
            guard values <= 30_000 else {
                for (table, columns, rows) in tables {
                    try await PostgresLedger.insert(
                        into: table, columns: columns, rows: rows, on: connection, logger: logger)
                }
                if let usage { try await Self.updateUsage(usage, on: connection, logger: logger) }
                if anyDueNow {
                    try await connection.query("SELECT pg_notify(\(PostgresLedger.dueChannel), '')", logger: logger)
                }
                return
            }
            var bindings = PostgresBindings(capacity: values + 2)
            var parts: [String] = []
            for (table, columns, rows) in tables where !rows.isEmpty {
                let tuples = rows.map { row -> String in
                    let first = bindings.count + 1
                    for value in row { bindings.append(value) }
                    return "(" + (first..<(first + row.count)).map { "$\($0)" }.joined(separator: ", ") + ")"
                }
                parts.append(
                    "w\(parts.count) AS (INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
                        + tuples.joined(separator: ", ") + ")")
            }
            if let usage {
                try bindings.append(usage.keys)
                try bindings.append(usage.units)
                let keys = bindings.count - 1
                parts.append(
                    "w\(parts.count) AS (UPDATE limit_usage SET units = v.units FROM unnest($\(keys)::text[], "
                        + "$\(keys + 1)::int8[]) AS v(k, units) WHERE limit_usage.window_key = v.k "
                        + "AND limit_usage.units <> v.units)")
            }
            guard !parts.isEmpty else { return }
            // pg_notify is delivered at COMMIT, to every instance that LISTENs: a processor wakes without waiting
            // for its poll.
            let tail = anyDueNow ? "SELECT pg_notify('\(PostgresLedger.dueChannel)', '')" : "SELECT 1"
            let sql = "WITH " + parts.joined(separator: ", ") + " " + tail
            try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        }

        static func updateUsage(
            _ usage: (keys: [String], units: [Int64]), on connection: PostgresConnection, logger: Logger
        ) async throws {
            try await connection.query(
                """
                UPDATE limit_usage SET units = v.units FROM unnest(\(usage.keys)::text[], \(usage.units)::int8[])
                    AS v(k, units)
                WHERE limit_usage.window_key = v.k AND limit_usage.units <> v.units
                """, logger: logger)
        }
    }

    /// What the creates decided so far see: stored state plus the group's own creates.
    private struct Known {
        var keys: [ScopedKey: IdempotencyRecord] = [:]
        var digests: [String: String] = [:]
        var usage: [String: Int64] = [:]
        var createdPayouts: [String: Payout] = [:]
        var createdBatches: [String: BatchWithPayouts] = [:]
    }

    private enum Replay {
        case payout(String)
        case batch(String)
    }

    func run(on connection: PostgresConnection, logger: Logger) async throws -> [Result<
        CreateResult, any Error
    >] {
        var known = Known()
        var windows: Set<String> = []
        var scopes: [String] = []
        var keys: [String] = []
        var digests: [String] = []
        for operation in operations {
            switch operation {
            case .payout(let new, _):
                windows.insert(LimitUsageWindows.dayKey(new.payout.createdAt))
                windows.insert(LimitUsageWindows.hourKey(new.payout.createdAt))
                scopes.append(new.idempotencyScope)
                keys.append(new.payout.idempotencyKey)
                if let approval = new.kycApproval { digests.append(approval.digest) }
            case .batch(let new, _):
                windows.insert(LimitUsageWindows.dayKey(new.batch.createdAt))
                windows.insert(LimitUsageWindows.hourKey(new.batch.createdAt))
                scopes.append(new.idempotencyScope)
                keys.append(new.batch.idempotencyKey)
                digests += new.kycApprovals.compactMap { $0?.digest }
            }
        }
        let windowKeys = windows.sorted()
        // The windows' row locks first (every group takes them in key order), creating the rows the first time a
        // window is used; then the group's keys and digests in one statement.
        known.usage = try await Self.lockWindows(windowKeys, on: connection, logger: logger)
        if known.usage.count < windowKeys.count {
            try await connection.query(
                """
                INSERT INTO limit_usage (window_key, units) SELECT k, 0 FROM unnest(\(windowKeys)::text[]) AS k ORDER BY k
                ON CONFLICT DO NOTHING
                """, logger: logger)
            known.usage = try await Self.lockWindows(windowKeys, on: connection, logger: logger)
        }
        for try await (kind, first, second, fingerprint, payoutID, batchID) in try await connection.query(
            """
            SELECT 'key', scope, key, fingerprint, payout_id, batch_id FROM idempotency_keys
            WHERE (scope, key) IN (SELECT * FROM unnest(\(scopes)::text[], \(keys)::text[]))
            UNION ALL
            SELECT 'kyc', digest, payout_id, NULL, NULL, NULL FROM kyc_approvals WHERE digest = ANY(\(digests))
            """, logger: logger
        ).decode((String, String, String, String?, String?, String?).self) {
            if kind == "kyc" {
                known.digests[first] = second
            } else if let fingerprint {
                known.keys[ScopedKey(scope: first, key: second)] = IdempotencyRecord(
                    fingerprint: fingerprint, payoutID: payoutID, batchID: batchID)
            }
        }

        var writes = Writes()
        var results: [Result<CreateResult, any Error>?] = Array(repeating: nil, count: operations.count)
        var replays: [(index: Int, replay: Replay)] = []
        for (index, operation) in operations.enumerated() {
            do {
                switch operation {
                case .payout(let new, let limits):
                    if let replay = try Self.decide(new, limits: limits, known: &known, writes: &writes) {
                        if let stored = known.createdPayouts[replay] {
                            results[index] = .success(.payout(.replayed(stored)))
                        } else {
                            replays.append((index, .payout(replay)))
                        }
                    } else {
                        results[index] = .success(.payout(.created(new.payout)))
                    }
                case .batch(let new, let limits):
                    if let replay = try Self.decide(new, limits: limits, known: &known, writes: &writes) {
                        if let stored = known.createdBatches[replay] {
                            results[index] = .success(.batch(.replayed(stored)))
                        } else {
                            replays.append((index, .batch(replay)))
                        }
                    } else {
                        results[index] = .success(
                            .batch(.created(BatchWithPayouts(batch: new.batch, payouts: new.payouts))))
                    }
                }
            } catch {
                results[index] = .failure(error)
            }
        }

        try await writes.run(
            usage: writes.payouts.isEmpty ? nil : (windowKeys, windowKeys.map { known.usage[$0] ?? 0 }),
            on: connection, logger: logger)
        if !replays.isEmpty {
            let payoutIDs = replays.compactMap { if case .payout(let id) = $0.replay { id } else { nil } }
            var stored: [String: Payout] = [:]
            if !payoutIDs.isEmpty {
                for (_, payout) in try await PostgresLedger.payouts(
                    try await connection.query(
                        "SELECT \(unescaped: PostgresLedger.payoutColumns()) FROM payouts WHERE id = ANY(\(payoutIDs))",
                        logger: logger))
                {
                    stored[payout.id] = payout
                }
            }
            for (index, replay) in replays {
                switch replay {
                case .payout(let id):
                    guard let payout = stored[id] else {
                        throw PostgresLedger.StorageError(
                            sqlState: nil, message: "idempotency key names payout \(id), which is not stored")
                    }
                    results[index] = .success(.payout(.replayed(payout)))
                case .batch(let id):
                    guard let batch = try await PostgresLedger.fetchBatch(id: id, on: connection, logger: logger) else {
                        throw PostgresLedger.StorageError(
                            sqlState: nil, message: "idempotency key names batch \(id), which is not stored")
                    }
                    results[index] = .success(.batch(.replayed(batch)))
                }
            }
        }
        return results.map { $0! }
    }

    /// The usage of each window that has a row, with the rows locked (`FOR UPDATE`, in key order).
    private static func lockWindows(_ windowKeys: [String], on connection: PostgresConnection, logger: Logger)
        async throws -> [String: Int64]
    {
        var usage: [String: Int64] = [:]
        for try await (window, units) in try await connection.query(
            "SELECT window_key, units FROM limit_usage WHERE window_key = ANY(\(windowKeys)) ORDER BY window_key FOR UPDATE",
            logger: logger
        ).decode((String, Int64).self) {
            usage[window] = units
        }
        return usage
    }

    /// Decides one single payout: nil when it is created (its rows added to `writes`), the stored payout's id when
    /// it is a replay; throws its refusal. `known` changes only when the payout is created.
    private static func decide(_ new: NewPayout, limits: LimitPolicy, known: inout Known, writes: inout Writes) throws
        -> String?
    {
        let payout = new.payout
        let scoped = ScopedKey(scope: new.idempotencyScope, key: payout.idempotencyKey)
        if let existing = known.keys[scoped] {
            try existing.requireSame(fingerprint: new.fingerprint, key: payout.idempotencyKey)
            guard let payoutID = existing.payoutID else {
                throw IdempotencyRecord.usedForBatch(key: payout.idempotencyKey, batchID: existing.batchID)
            }
            return payoutID
        }
        if let approval = new.kycApproval {
            try approval.requireUnexpired(at: payout.createdAt)
            if let user = known.digests[approval.digest] { throw KYCApprovalRecord.alreadyUsed(by: user) }
        }
        let dayKey = LimitUsageWindows.dayKey(payout.createdAt)
        let hourKey = LimitUsageWindows.hourKey(payout.createdAt)
        var usage = LimitUsage(dayUnits: known.usage[dayKey] ?? 0, hourUnits: known.usage[hourKey] ?? 0)
        try limits.admit(payout.amountUnits, usage: usage)
        usage = try usage.adding(payout.amountUnits)

        known.usage[dayKey] = usage.dayUnits
        known.usage[hourKey] = usage.hourUnits
        known.keys[scoped] = IdempotencyRecord(fingerprint: new.fingerprint, payoutID: payout.id, batchID: nil)
        known.createdPayouts[payout.id] = payout
        writes.payouts.append(PostgresLedger.insertValues(payout, batchIndex: nil))
        if let approval = new.kycApproval {
            known.digests[approval.digest] = payout.id
            writes.kycApprovals.append(kycRow(approval, payoutID: payout.id, at: payout.createdAt))
        }
        writes.keys.append(
            keyRow(new.idempotencyScope, payout.idempotencyKey, new.fingerprint, payout.id, nil, at: payout.createdAt))
        if payout.status == .pending { writes.anyDueNow = true }
        return nil
    }

    /// Decides one batch: all of it is created or nothing; refusals name the item as `items[i]`.
    private static func decide(_ new: NewBatch, limits: LimitPolicy, known: inout Known, writes: inout Writes) throws
        -> String?
    {
        let batch = new.batch
        let scoped = ScopedKey(scope: new.idempotencyScope, key: batch.idempotencyKey)
        if let existing = known.keys[scoped] {
            try existing.requireSame(fingerprint: new.fingerprint, key: batch.idempotencyKey)
            guard let batchID = existing.batchID else {
                throw IdempotencyRecord.usedForPayout(key: batch.idempotencyKey, payoutID: existing.payoutID)
            }
            return batchID
        }
        try LedgerRules.requireDistinctApprovals(new)
        for (index, approval) in new.kycApprovals.enumerated() {
            guard let approval else { continue }
            do {
                try approval.requireUnexpired(at: batch.createdAt)
                if let user = known.digests[approval.digest] { throw KYCApprovalRecord.alreadyUsed(by: user) }
            } catch let error as PaymentError {
                throw error.nested(under: "items[\(index)]")
            }
        }
        let dayKey = LimitUsageWindows.dayKey(batch.createdAt)
        let hourKey = LimitUsageWindows.hourKey(batch.createdAt)
        var usage = LimitUsage(dayUnits: known.usage[dayKey] ?? 0, hourUnits: known.usage[hourKey] ?? 0)
        for (index, payout) in new.payouts.enumerated() {
            do {
                try limits.admit(payout.amountUnits, usage: usage)
                usage = try usage.adding(payout.amountUnits)
            } catch {
                throw PaymentError(error.code, "items[\(index)]: \(error.message)", limit: error.limit)
            }
        }

        known.usage[dayKey] = usage.dayUnits
        known.usage[hourKey] = usage.hourUnits
        known.keys[scoped] = IdempotencyRecord(fingerprint: new.fingerprint, payoutID: nil, batchID: batch.id)
        known.createdBatches[batch.id] = BatchWithPayouts(batch: batch, payouts: new.payouts)
        writes.batches.append([
            .text(batch.id), .text(batch.idempotencyKey), .text(batch.batchType.rawValue), .int(Int64(batch.itemCount)),
            .int(batch.totalUnits), .int(batch.scheduledFor.milliseconds), .int(batch.createdAt.milliseconds),
            .text(batch.requestedBy),
        ])
        for (index, payout) in new.payouts.enumerated() {
            writes.payouts.append(PostgresLedger.insertValues(payout, batchIndex: index))
            if payout.status == .pending { writes.anyDueNow = true }
            if index < new.kycApprovals.count, let approval = new.kycApprovals[index] {
                known.digests[approval.digest] = payout.id
                writes.kycApprovals.append(kycRow(approval, payoutID: payout.id, at: batch.createdAt))
            }
        }
        writes.keys.append(
            keyRow(new.idempotencyScope, batch.idempotencyKey, new.fingerprint, nil, batch.id, at: batch.createdAt))
        return nil
    }

    private static func kycRow(_ approval: KYCApprovalUse, payoutID: String, at now: Date) -> [SQLValue] {
        [.text(approval.digest), .text(payoutID), .int(approval.notAfter.milliseconds), .int(now.milliseconds)]
    }

    private static func keyRow(
        _ scope: String, _ key: String, _ fingerprint: String, _ payoutID: String?, _ batchID: String?, at now: Date
    ) -> [SQLValue] {
        [.text(scope), .text(key), .text(fingerprint), .text(payoutID), .text(batchID), .int(now.milliseconds)]
    }
}
