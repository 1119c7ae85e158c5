import GRDB

extension SQLiteLedger {
    /// Versioned migrations: append new ones, never edit a shipped one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: payouts, batches, idempotency keys, limit usage, breaker") { db in
            try db.execute(
                sql: """
                    CREATE TABLE batches (
                        id TEXT PRIMARY KEY,
                        idempotency_key TEXT NOT NULL,
                        batch_type TEXT NOT NULL,
                        item_count INTEGER NOT NULL CHECK (item_count > 0),
                        total_units INTEGER NOT NULL CHECK (total_units > 0),
                        scheduled_for_ms INTEGER NOT NULL,
                        created_at_ms INTEGER NOT NULL,
                        requested_by TEXT NOT NULL
                    );
                    CREATE TABLE payouts (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        id TEXT NOT NULL UNIQUE,
                        idempotency_key TEXT NOT NULL,
                        recipient TEXT NOT NULL,
                        amount_units INTEGER NOT NULL CHECK (amount_units > 0),
                        reason TEXT NOT NULL,
                        router TEXT NOT NULL,
                        priority TEXT NOT NULL,
                        status TEXT NOT NULL,
                        batch_id TEXT REFERENCES batches(id),
                        batch_index INTEGER,
                        requested_by TEXT NOT NULL,
                        node_id TEXT,
                        kyc_hash TEXT,
                        created_at_ms INTEGER NOT NULL,
                        updated_at_ms INTEGER NOT NULL,
                        scheduled_for_ms INTEGER NOT NULL,
                        txid TEXT,
                        failure_reason TEXT
                    );
                    CREATE INDEX payouts_by_status ON payouts(status, scheduled_for_ms);
                    CREATE INDEX payouts_by_batch ON payouts(batch_id, batch_index);
                    CREATE INDEX payouts_by_recipient ON payouts(recipient, seq);
                    CREATE INDEX payouts_by_requester ON payouts(requested_by, seq);
                    CREATE TABLE idempotency_keys (
                        scope TEXT NOT NULL,
                        key TEXT NOT NULL,
                        fingerprint TEXT NOT NULL,
                        payout_id TEXT REFERENCES payouts(id),
                        batch_id TEXT REFERENCES batches(id),
                        created_at_ms INTEGER NOT NULL,
                        PRIMARY KEY (scope, key),
                        CHECK ((payout_id IS NULL) != (batch_id IS NULL))
                    );
                    CREATE TABLE limit_usage (
                        window TEXT PRIMARY KEY,
                        units INTEGER NOT NULL CHECK (units >= 0)
                    );
                    CREATE TABLE breaker (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        state TEXT NOT NULL,
                        reason TEXT,
                        opened_at_ms INTEGER,
                        manual INTEGER NOT NULL DEFAULT 0
                    );
                    """)
        }
        migrator.registerMigration("v2: transactions of payouts, attempts and receipts") { db in
            try db.execute(
                sql: """
                    ALTER TABLE payouts ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE payouts ADD COLUMN next_attempt_ms INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE payouts ADD COLUMN block_number INTEGER;
                    ALTER TABLE payouts ADD COLUMN block_time_ms INTEGER;
                    ALTER TABLE payouts ADD COLUMN fee_sun INTEGER;
                    ALTER TABLE payouts ADD COLUMN energy_used INTEGER;
                    ALTER TABLE payouts ADD COLUMN bandwidth_used INTEGER;
                    ALTER TABLE payouts ADD COLUMN last_error TEXT;
                    CREATE TABLE payout_transactions (
                        txid TEXT PRIMARY KEY,
                        payout_id TEXT NOT NULL REFERENCES payouts(id),
                        transaction_bytes BLOB NOT NULL,
                        expiration_ms INTEGER NOT NULL,
                        created_at_ms INTEGER NOT NULL,
                        outcome TEXT NOT NULL DEFAULT 'LIVE'
                    );
                    CREATE INDEX payout_transactions_by_payout ON payout_transactions(payout_id, created_at_ms);
                    CREATE INDEX payouts_in_flight ON payouts(status, next_attempt_ms);
                    """)
        }
        migrator.registerMigration("v3: digests of the KYC approvals used, one payout each") { db in
            try db.execute(
                sql: """
                    CREATE TABLE kyc_approvals (
                        digest TEXT NOT NULL UNIQUE CHECK (length(digest) = 64),
                        payout_id TEXT NOT NULL UNIQUE REFERENCES payouts(id),
                        not_after_ms INTEGER NOT NULL,
                        created_at_ms INTEGER NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v4: transactions by signing time, for the outflow windows") { db in
            try db.execute(
                sql: "CREATE INDEX payout_transactions_by_signing_time ON payout_transactions(created_at_ms, outcome)")
        }
        migrator.registerMigration("v5: one live transaction per payout as a constraint; the breaker's version") { db in
            try db.execute(
                sql: """
                    CREATE UNIQUE INDEX payout_transactions_one_live ON payout_transactions(payout_id)
                        WHERE outcome = 'LIVE';
                    ALTER TABLE breaker ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
                    """)
        }
        migrator.registerMigration("v6: the hot wallet's staking operations, one transaction each") { db in
            try db.execute(sql: SQLiteLedger.treasuryOperationsTable)
        }
        return migrator
    }
}

extension SQLiteLedger {
    /// Each migration of the file at `path` and whether it was applied before this call; applies the pending ones
    /// when `apply`. A file migrated by a newer binary is refused (GRDB's `hasBeenSuperseded`), as at startup.
    public static func migrationStatus(path: String, apply: Bool) throws -> [(name: String, applied: Bool)] {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        let migrator = migrator
        let applied = try queue.read { db in
            guard try !migrator.hasBeenSuperseded(db) else { throw SchemaTooNew(path: path) }
            return try migrator.appliedIdentifiers(db)
        }
        if apply { try migrator.migrate(queue) }
        return migrator.migrations.map { ($0, applied.contains($0)) }
    }

    /// The ledger file was migrated by a newer payment-rpc.
    public struct SchemaTooNew: Error, CustomStringConvertible {
        /// The ledger file.
        public var path: String
        /// The problem in words, for logs and operators.
        public var description: String {
            "the ledger \(path) has migrations this payment-rpc does not know: run the payment-rpc that migrated it, "
                + "or a newer one"
        }
    }
}
