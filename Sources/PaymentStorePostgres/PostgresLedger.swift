import Foundation
import Logging
import Metrics
import NIOCore
import PaymentCore
import PaymentStore
import PostgresNIO

/// The shared ledger: the same protocols and behaviour as `SQLiteLedger`, on PostgreSQL, for several payment-rpc
/// instances at once. Creates go through group commit (one transaction per group, each create decided in memory
/// while the group holds the row locks of its limit windows); processing writes are fenced by this instance's
/// epoch (rule 5 of `PayoutProcessor.swift`).
public final class PostgresLedger: ProcessingLedger {
    let client: PostgresClient
    let logger: Logger
    /// This instance's fencing token: its row in `processor_instances`.
    public let epoch: Int64
    /// `interval 'N seconds'` for the lease, from an integer setting (never from outside input).
    let leaseInterval: String
    let creates: GroupCommitter<CreateOperation, CreateResult>

    /// The channel a create notifies when it stores a payout that is due at once.
    public static let dueChannel = "lucid_payouts_due"

    private init(client: PostgresClient, epoch: Int64, leaseSeconds: Int, logger: Logger) {
        self.client = client
        self.epoch = epoch
        self.leaseInterval = "interval '\(max(1, leaseSeconds)) seconds'"
        self.logger = logger
        self.creates = GroupCommitter { operations in
            await Self.commit(operations, client: client, logger: logger)
        }
    }

    /// Connects, migrates (unless `migrate` is false: then a schema that is behind or ahead is refused), registers
    /// this instance for its epoch, runs `body`, and closes the pool when `body` returns or throws.
    public static func withLedger<T: Sendable>(
        _ settings: PostgresSettings, migrate: Bool = true, logger: Logger,
        _ body: (PostgresLedger) async throws -> T
    ) async throws -> T {
        try await withClient(settings, logger: logger) { client in
            try await body(try await open(client: client, settings: settings, migrate: migrate, logger: logger))
        }
    }

    /// Runs `body` with a running pool on `settings` and nothing else (no migration, no registration): for
    /// `migrate`, the copy command and `withLedger`. The pool closes when `body` returns or throws.
    public static func withClient<T: Sendable>(
        _ settings: PostgresSettings, logger: Logger, _ body: (PostgresClient) async throws -> T
    ) async throws -> T {
        let client = PostgresClient(configuration: try settings.clientConfiguration(), backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            // Let the pool's run loop start before the first lease (postgres-nio warns about a lease before run()).
            try await Task.sleep(for: .milliseconds(10))
            return try await body(client)
        }
    }

    static func open(client: PostgresClient, settings: PostgresSettings, migrate: Bool, logger: Logger) async throws
        -> PostgresLedger
    {
        let status = try await storageErrors("write") {
            try await PostgresMigrations.migrate(client: client, apply: migrate, logger: logger)
        }
        if !migrate, let pending = status.first(where: { !$0.applied }) {
            throw PostgresMigrations.SchemaTooNew.Behind(pending: pending)
        }
        let epoch = try await storageErrors("write") {
            let rows = try await client.query(
                "INSERT INTO processor_instances (name) VALUES (\(settings.instanceName)) RETURNING epoch",
                logger: logger)
            for try await epoch in rows.decode(Int64.self) { return epoch }
            throw StorageError(sqlState: nil, message: "registering the instance returned no epoch")
        }
        logger.info(
            "ledger open",
            metadata: [
                "store": "postgres", "url": "\(settings.redactedURL)", "tls": "\(settings.tls.rawValue)",
                "epoch": "\(epoch)", "lease_seconds": "\(settings.leaseSeconds)",
            ])
        return PostgresLedger(client: client, epoch: epoch, leaseSeconds: settings.leaseSeconds, logger: logger)
    }

    /// `SELECT 1` on a pooled connection.
    public func checkHealth() async throws {
        try await Self.storageErrors("read") {
            try await client.query("SELECT 1", logger: logger)
        }
    }

    /// Calls `onDue` for every NOTIFY on `dueChannel` until cancelled, on a connection of its own; reconnects
    /// after a second when the connection fails. A missed notification costs one poll interval.
    public func listenForDuePayouts(_ onDue: @escaping @Sendable () -> Void) async {
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: Self.dueChannel) { notifications in
                        onDue()  // whatever became due while not listening
                        for try await _ in notifications { onDue() }
                    }
                }
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                logger.warning(
                    "LISTEN for due payouts failed; polling only until it reconnects",
                    metadata: ["error": "\(StorageError(error))"])
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    // MARK: Errors and transactions

    /// A database error in words that are safe to log (SQLSTATE and the server's message; PSQLError's own
    /// description hides both).
    public struct StorageError: Error, Sendable, CustomStringConvertible {
        /// The SQLSTATE code, when the server gave one.
        public var sqlState: String?
        /// The server's message, or the client's reason.
        public var message: String

        init(sqlState: String?, message: String) {
            self.sqlState = sqlState
            self.message = message
        }

        init(_ error: any Error) {
            if let error = error as? StorageError {
                self = error
            } else if let error = error as? PSQLError {
                sqlState = error.serverInfo?[.sqlState]
                message = error.serverInfo?[.message] ?? "\(error.code)"
            } else {
                sqlState = nil
                message = "\(error)"
            }
        }

        /// A unique violation (23505), serialization failure (40001) or deadlock (40P01): running the whole
        /// transaction again gives the answer that a serial order would. A lock wait past `lock_timeout` (55P03) is
        /// not retried here: the lock's holder is stuck, and the caller hears it after one lease.
        var isRetryable: Bool { ["23505", "40001", "40P01"].contains(sqlState ?? "") }

        /// The problem in words, for logs and operators.
        public var description: String { "PostgreSQL \(sqlState ?? "-"): \(message)" }
    }

    /// Runs `body`, counting the database's errors (`PSQLError`: the server's refusals, lost connections) in
    /// `tron_ledger_errors_total{operation}` and turning them into `StorageError`; anything else (refusals the
    /// ledger decides: `PaymentError`, `LeaseLost`, `OutflowRefusal`) passes unchanged and uncounted.
    static func storageErrors<T>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PSQLError {
            Counter(label: "tron_ledger_errors_total", dimensions: [("operation", operation)]).increment()
            throw StorageError(error)
        }
    }

    /// One transaction, run again (up to 4 times) when PostgreSQL says that a concurrent one won a race.
    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await Self.transaction(client: client, logger: logger, body)
    }

    static func transaction<T: Sendable>(
        client: PostgresClient, logger: Logger, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await storageErrors("write") {
                    do {
                        return try await client.withTransaction(logger: logger) { connection in
                            try await body(connection)
                        }
                    } catch let error as PostgresTransactionError {
                        // What failed (the body, BEGIN or COMMIT), so that refusals reach callers as themselves and
                        // the database's errors are counted and retried; a rollback error only follows one of them.
                        throw error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError
                            ?? StorageError(sqlState: nil, message: "transaction failed")
                    }
                }
            } catch let error as StorageError where error.isRetryable && attempt < 4 {
                logger.debug("ledger transaction retried", metadata: ["error": "\(error)", "attempt": "\(attempt)"])
                continue
            }
        }
    }

    /// A read on a pooled connection, counting errors.
    func read<T: Sendable>(_ body: (PostgresClient) async throws -> T) async throws -> T {
        try await Self.storageErrors("read") { try await body(client) }
    }
}

extension PostgresMigrations.SchemaTooNew {
    /// Startup without migrating found a migration not applied yet.
    public struct Behind: Error, Sendable, CustomStringConvertible {
        /// The first migration not applied.
        public var pending: PostgresMigrations.Status
        /// The problem in words, for logs and operators.
        public var description: String {
            "the ledger's schema lacks migration \(pending.version) (\(pending.name)): run payment-rpc migrate"
        }
    }
}
