import Foundation
import NIOCore
import PaymentCore
import PaymentStore
import PostgresNIO

extension PostgresLedger {
    static let treasuryColumns = """
        id, kind, resource, amount_sun, receiver, lock_period_blocks, status, txid, transaction_bytes, expiration_ms,
        requested_by, created_at_ms, updated_at_ms, block_number, fee_sun, failure_reason, fingerprint
        """

    /// Reads the key's row, then inserts; two instances racing on one key both insert, the later commit fails with
    /// 23505 (the UNIQUE (idempotency_scope, idempotency_key)), and `transaction` runs it again, when it replays.
    public func recordTreasuryOperation(_ new: NewTreasuryOperation) async throws -> CreateOutcome<TreasuryOperation> {
        try await transaction { connection in
            let existing = try await Self.treasuryRows(
                connection.query(
                    """
                    SELECT \(unescaped: Self.treasuryColumns) FROM treasury_operations
                    WHERE idempotency_scope = \(new.idempotencyScope) AND idempotency_key = \(new.idempotencyKey)
                    """, logger: logger))
            if let existing = existing.first {
                guard existing.fingerprint == new.fingerprint else {
                    throw PaymentError.treasuryKeyReused(new.idempotencyKey, existing: existing.open.operation.id)
                }
                return .replayed(existing.open.operation)
            }
            let operation = new.operation
            let columns = StakeOperationColumns(operation.action)
            let created = operation.createdAt.milliseconds
            let inserted = try await Self.treasuryRows(
                connection.query(
                    """
                    INSERT INTO treasury_operations (id, idempotency_scope, idempotency_key, fingerprint, kind,
                        resource, amount_sun, receiver, lock_period_blocks, status, txid, transaction_bytes,
                        expiration_ms, requested_by, created_at_ms, updated_at_ms)
                    VALUES (\(operation.id), \(new.idempotencyScope), \(new.idempotencyKey), \(new.fingerprint),
                        \(columns.kind), \(columns.resource), \(columns.amountSun), \(columns.receiver),
                        \(columns.lockPeriodBlocks), 'SIGNED', \(new.transaction.txid),
                        \(ByteBuffer(bytes: new.transaction.transactionBytes)),
                        \(new.transaction.expirationMilliseconds), \(operation.requestedBy), \(created), \(created))
                    RETURNING \(unescaped: Self.treasuryColumns)
                    """, logger: logger))
            guard let row = inserted.first else {
                throw PaymentError(.internal, "the treasury operation insert returned no row")
            }
            return .created(row.open.operation)
        }
    }

    /// The row of `id`, or nil.
    public func treasuryOperation(id: String) async throws -> TreasuryOperation? {
        try await read { client in
            try await Self.treasuryRows(
                client.query(
                    "SELECT \(unescaped: Self.treasuryColumns) FROM treasury_operations WHERE id = \(id)",
                    logger: logger)
            ).first?.open.operation
        }
    }

    /// The row of the key, with its fingerprint, or nil.
    public func treasuryOperation(idempotencyScope: String, idempotencyKey: String) async throws
        -> (operation: TreasuryOperation, fingerprint: String)?
    {
        try await read { client in
            try await Self.treasuryRows(
                client.query(
                    """
                    SELECT \(unescaped: Self.treasuryColumns) FROM treasury_operations
                    WHERE idempotency_scope = \(idempotencyScope) AND idempotency_key = \(idempotencyKey)
                    """, logger: logger)
            ).first.map { ($0.open.operation, $0.fingerprint) }
        }
    }

    /// FAILED only while SIGNED.
    public func recordTreasuryRefusal(id: String, reason: String, at now: Date) async throws {
        let ms = now.milliseconds
        try await transaction { connection in
            try await connection.query(
                """
                UPDATE treasury_operations SET status = 'FAILED', failure_reason = \(reason), updated_at_ms = \(ms)
                WHERE id = \(id) AND status = 'SIGNED'
                """, logger: logger)
        }
    }

    /// SIGNED and BROADCAST rows in insertion order.
    public func openTreasuryOperations() async throws -> [OpenTreasuryOperation] {
        try await read { client in
            try await Self.treasuryRows(
                client.query(
                    """
                    SELECT \(unescaped: Self.treasuryColumns) FROM treasury_operations
                    WHERE status IN ('SIGNED', 'BROADCAST') ORDER BY seq
                    """, logger: logger)
            ).map(\.open)
        }
    }

    /// SIGNED → BROADCAST; anything else is left.
    public func recordTreasuryBroadcast(id: String, at now: Date) async throws {
        let ms = now.milliseconds
        try await transaction { connection in
            try await connection.query(
                """
                UPDATE treasury_operations SET status = 'BROADCAST', updated_at_ms = \(ms)
                WHERE id = \(id) AND status = 'SIGNED'
                """, logger: logger)
        }
    }

    /// Notes the block of an open operation; it is BROADCAST from then on.
    public func recordTreasuryIncluded(id: String, blockNumber: Int64, at now: Date) async throws {
        let ms = now.milliseconds
        try await transaction { connection in
            try await connection.query(
                """
                UPDATE treasury_operations SET block_number = \(blockNumber), status = 'BROADCAST', updated_at_ms = \(ms)
                WHERE id = \(id) AND status IN ('SIGNED', 'BROADCAST')
                """, logger: logger)
        }
    }

    /// CONFIRMED or FAILED, once.
    public func recordTreasuryFinal(id: String, outcome: FinalOutcome, at now: Date) async throws {
        let ms = now.milliseconds
        let status = outcome.confirmed ? "CONFIRMED" : "FAILED"
        try await transaction { connection in
            try await connection.query(
                """
                UPDATE treasury_operations
                SET status = \(status), block_number = COALESCE(\(outcome.blockNumber), block_number),
                    fee_sun = \(outcome.feeSun), failure_reason = \(outcome.reason), updated_at_ms = \(ms)
                WHERE id = \(id) AND status IN ('SIGNED', 'BROADCAST')
                """, logger: logger)
        }
    }

    static func treasuryRows(_ rows: PostgresRowSequence) async throws -> [(
        open: OpenTreasuryOperation, fingerprint: String
    )] {
        var result: [(open: OpenTreasuryOperation, fingerprint: String)] = []
        for try await row in rows {
            let r = row.makeRandomAccess()
            let columns = StakeOperationColumns(
                kind: try r["kind"].decode(String.self), resource: try r["resource"].decode(String?.self),
                amountSun: try r["amount_sun"].decode(Int64.self), receiver: try r["receiver"].decode(String?.self),
                lockPeriodBlocks: try r["lock_period_blocks"].decode(Int64?.self))
            let status = try r["status"].decode(String.self)
            guard let parsed = TreasuryOperation.Status(rawValue: status) else {
                throw PaymentError(.internal, "treasury operation row: status \(status) is unknown")
            }
            let txid = try r["txid"].decode(String.self)
            let operation = TreasuryOperation(
                id: try r["id"].decode(String.self), action: try columns.operation(), status: parsed, txid: txid,
                requestedBy: try r["requested_by"].decode(String.self),
                createdAt: Date(milliseconds: try r["created_at_ms"].decode(Int64.self)),
                updatedAt: Date(milliseconds: try r["updated_at_ms"].decode(Int64.self)),
                blockNumber: try r["block_number"].decode(Int64?.self), feeSun: try r["fee_sun"].decode(Int64?.self),
                failureReason: try r["failure_reason"].decode(String?.self))
            let bytes = try r["transaction_bytes"].decode(ByteBuffer.self)
            result.append(
                (
                    OpenTreasuryOperation(
                        operation: operation,
                        transaction: StoredTransaction(
                            txid: txid, transactionBytes: Array(bytes.readableBytesView),
                            expirationMilliseconds: try r["expiration_ms"].decode(Int64.self))),
                    try r["fingerprint"].decode(String.self)
                ))
        }
        return result
    }
}
