import Foundation
import GRDB
import PaymentCore

extension SQLiteLedger {
    /// Migration v6: one row per operation, holding its one transaction; (scope, idempotency_key) is unique, as is
    /// the txid.
    static let treasuryOperationsTable = """
        CREATE TABLE treasury_operations (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            idempotency_scope TEXT NOT NULL,
            idempotency_key TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN
                ('STAKE', 'UNSTAKE', 'WITHDRAW_UNSTAKED', 'DELEGATE_RESOURCE', 'UNDELEGATE_RESOURCE')),
            resource TEXT CHECK (resource IN ('ENERGY', 'BANDWIDTH')),
            amount_sun INTEGER NOT NULL CHECK (amount_sun >= 0),
            receiver TEXT,
            lock_period_blocks INTEGER,
            status TEXT NOT NULL CHECK (status IN ('SIGNED', 'BROADCAST', 'CONFIRMED', 'FAILED')),
            txid TEXT NOT NULL UNIQUE,
            transaction_bytes BLOB NOT NULL,
            expiration_ms INTEGER NOT NULL,
            requested_by TEXT NOT NULL,
            created_at_ms INTEGER NOT NULL,
            updated_at_ms INTEGER NOT NULL,
            block_number INTEGER,
            fee_sun INTEGER,
            failure_reason TEXT,
            UNIQUE (idempotency_scope, idempotency_key)
        );
        CREATE INDEX treasury_operations_open ON treasury_operations(status, seq);
        """

    /// Inserts the operation and its transaction in one write, or answers the one its key names.
    public func recordTreasuryOperation(_ new: NewTreasuryOperation) async throws -> CreateOutcome<TreasuryOperation> {
        try await write { db in
            if let existing = try Row.fetchOne(
                db,
                sql: "SELECT * FROM treasury_operations WHERE idempotency_scope = ? AND idempotency_key = ?",
                arguments: [new.idempotencyScope, new.idempotencyKey])
            {
                guard existing["fingerprint"] as String == new.fingerprint else {
                    throw PaymentError.treasuryKeyReused(new.idempotencyKey, existing: existing["id"])
                }
                return .replayed(try Self.treasuryOperation(from: existing))
            }
            let operation = new.operation
            let columns = StakeOperationColumns(operation.action)
            try db.execute(
                sql: """
                    INSERT INTO treasury_operations (id, idempotency_scope, idempotency_key, fingerprint, kind,
                        resource, amount_sun, receiver, lock_period_blocks, status, txid, transaction_bytes,
                        expiration_ms, requested_by, created_at_ms, updated_at_ms)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'SIGNED', ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    operation.id, new.idempotencyScope, new.idempotencyKey, new.fingerprint, columns.kind,
                    columns.resource, columns.amountSun, columns.receiver, columns.lockPeriodBlocks,
                    new.transaction.txid, Data(new.transaction.transactionBytes),
                    new.transaction.expirationMilliseconds, operation.requestedBy, operation.createdAt.milliseconds,
                    operation.createdAt.milliseconds,
                ])
            return .created(
                try Self.treasuryOperation(
                    from: try Row.fetchOne(
                        db, sql: "SELECT * FROM treasury_operations WHERE id = ?", arguments: [operation.id])!))
        }
    }

    /// The row of `id`, or nil.
    public func treasuryOperation(id: String) async throws -> TreasuryOperation? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM treasury_operations WHERE id = ?", arguments: [id])
                .map(Self.treasuryOperation(from:))
        }
    }

    /// The row of the key, with its fingerprint, or nil.
    public func treasuryOperation(idempotencyScope: String, idempotencyKey: String) async throws
        -> (operation: TreasuryOperation, fingerprint: String)?
    {
        try await read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: "SELECT * FROM treasury_operations WHERE idempotency_scope = ? AND idempotency_key = ?",
                    arguments: [idempotencyScope, idempotencyKey])
            else { return nil }
            return (try Self.treasuryOperation(from: row), row["fingerprint"])
        }
    }

    /// FAILED only while SIGNED.
    public func recordTreasuryRefusal(id: String, reason: String, at now: Date) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE treasury_operations SET status = 'FAILED', failure_reason = ?, updated_at_ms = ?
                    WHERE id = ? AND status = 'SIGNED'
                    """,
                arguments: [reason, now.milliseconds, id])
        }
    }

    /// SIGNED and BROADCAST rows in insertion order.
    public func openTreasuryOperations() async throws -> [OpenTreasuryOperation] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM treasury_operations WHERE status IN ('SIGNED', 'BROADCAST') ORDER BY seq"
            ).map { row in
                OpenTreasuryOperation(
                    operation: try Self.treasuryOperation(from: row),
                    transaction: StoredTransaction(
                        txid: row["txid"], transactionBytes: [UInt8](row["transaction_bytes"] as Data),
                        expirationMilliseconds: row["expiration_ms"]))
            }
        }
    }

    /// SIGNED → BROADCAST; anything else is left.
    public func recordTreasuryBroadcast(id: String, at now: Date) async throws {
        try await write { db in
            try db.execute(
                sql:
                    "UPDATE treasury_operations SET status = 'BROADCAST', updated_at_ms = ? WHERE id = ? AND status = 'SIGNED'",
                arguments: [now.milliseconds, id])
        }
    }

    /// Notes the block of an open operation; it is BROADCAST from then on.
    public func recordTreasuryIncluded(id: String, blockNumber: Int64, at now: Date) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE treasury_operations SET block_number = ?, status = 'BROADCAST', updated_at_ms = ?
                    WHERE id = ? AND status IN ('SIGNED', 'BROADCAST')
                    """,
                arguments: [blockNumber, now.milliseconds, id])
        }
    }

    /// CONFIRMED or FAILED, once.
    public func recordTreasuryFinal(id: String, outcome: FinalOutcome, at now: Date) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE treasury_operations
                    SET status = ?, block_number = COALESCE(?, block_number), fee_sun = ?, failure_reason = ?,
                        updated_at_ms = ?
                    WHERE id = ? AND status IN ('SIGNED', 'BROADCAST')
                    """,
                arguments: [
                    outcome.confirmed ? "CONFIRMED" : "FAILED", outcome.blockNumber, outcome.feeSun, outcome.reason,
                    now.milliseconds, id,
                ])
        }
    }

    static func treasuryOperation(from row: Row) throws -> TreasuryOperation {
        let columns = StakeOperationColumns(
            kind: row["kind"], resource: row["resource"], amountSun: row["amount_sun"], receiver: row["receiver"],
            lockPeriodBlocks: row["lock_period_blocks"])
        let status: String = row["status"]
        guard let parsed = TreasuryOperation.Status(rawValue: status) else {
            throw PaymentError(.internal, "treasury operation row: status \(status) is unknown")
        }
        return TreasuryOperation(
            id: row["id"], action: try columns.operation(), status: parsed, txid: row["txid"],
            requestedBy: row["requested_by"], createdAt: Date(milliseconds: row["created_at_ms"]),
            updatedAt: Date(milliseconds: row["updated_at_ms"]), blockNumber: row["block_number"],
            feeSun: row["fee_sun"], failureReason: row["failure_reason"])
    }
}
