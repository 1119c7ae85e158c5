import Foundation
import Logging
import PaymentStore
import PaymentStorePostgres

/// `payment-rpc migrate`: where the configured ledger's schema stands, and the pending migrations applied.
public enum LedgerMigrations {
    /// One line per migration ("applied 1: …", "pending 2: …", "applied now 2: …"), after applying when `apply`.
    public static func run(config: PaymentRPCConfig, apply: Bool) async throws -> [String] {
        var logger = Logger(label: "payment-rpc.migrate")
        logger.logLevel = .warning
        if let postgres = config.postgres {
            return try await PostgresLedger.withClient(postgres, logger: logger) { client in
                let before = try await PostgresMigrations.migrate(client: client, apply: apply, logger: logger)
                return ["ledger: \(postgres.redactedURL)"]
                    + before.map { status in
                        status.applied
                            ? "applied \(status.version): \(status.name)"
                            : apply
                                ? "applied now \(status.version): \(status.name)"
                                : "pending \(status.version): \(status.name)"
                    }
            }
        }
        let statuses = try SQLiteLedger.migrationStatus(path: config.sqlitePath, apply: apply)
        return ["ledger: \(config.sqlitePath)"]
            + statuses.map { name, applied in
                applied ? "applied \(name)" : apply ? "applied now \(name)" : "pending \(name)"
            }
    }
}
