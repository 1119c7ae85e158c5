import Foundation
import GRDB
import Logging
import PaymentCore

/// The embedded ledger: one SQLite file in WAL mode with `synchronous=FULL` (a commit is on disk when it
/// returns), foreign keys on, and versioned migrations. Creates go through group commit.
public final class SQLiteLedger: PayoutLedger {
    let pool: DatabasePool
    /// A second connection used only for checkpoints, so they never wait in (or hold up) the writer's queue.
    private let checkpointer: DatabaseQueue
    private let logger: Logger
    private let creates: GroupCommitter<CreateOperation, CreateResult>

    /// Opens (creating if needed) and migrates the ledger at `path`.
    public init(path: String, logger: Logger) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        // A file migrated by a newer binary is refused rather than served with a schema this one does not know.
        guard try !pool.read({ db in try Self.migrator.hasBeenSuperseded(db) }) else {
            throw SchemaTooNew(path: path)
        }
        try Self.migrator.migrate(pool)
        self.pool = pool
        var checkpointConfiguration = Configuration()
        checkpointConfiguration.busyMode = .timeout(10)
        self.checkpointer = try DatabaseQueue(path: path, configuration: checkpointConfiguration)
        self.logger = logger
        self.creates = GroupCommitter { operations in
            await Self.commit(operations, in: pool, logger: logger)
        }
        logger.info("ledger open", metadata: ["path": "\(path)"])
    }

    /// Copies committed WAL pages into the database file (PASSIVE) from a connection of its own, so the WAL stays
    /// small and SQLite's automatic checkpoint (kept as a fallback) rarely has to run inside a create's commit.
    /// Run periodically (`LedgerCheckpointer`).
    public func checkpoint() async throws {
        do {
            try await checkpointer.writeWithoutTransaction { db in _ = try db.checkpoint(.passive) }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED
        {
            // Another checkpoint (SQLite's automatic one) is running: nothing to do this round.
            return
        }
    }

    /// Checkpoints the WAL and closes the file.
    public func close() throws {
        try checkpointer.close()
        try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        try pool.close()
    }

    /// Queues the create for the next group commit and waits until it is durable (see `PayoutLedger.createPayout`).
    /// A refusal (`PaymentError`) rolls back only this create's savepoint.
    public func createPayout(_ new: NewPayout, limits: LimitPolicy) async throws -> CreateOutcome<Payout> {
        try await creates.createPayout(new, limits: limits)
    }

    /// Queues the batch for the next group commit and waits until it is durable (see `PayoutLedger.createBatch`).
    /// Any refused item rolls back the whole batch, naming it as `items[i]`.
    public func createBatch(_ new: NewBatch, limits: LimitPolicy) async throws -> CreateOutcome<BatchWithPayouts> {
        try await creates.createBatch(new, limits: limits)
    }

    /// Commits a group of creates in one transaction, each in its own savepoint, so one refused create leaves the
    /// others intact. A failure of the transaction itself fails every create of the group.
    private static func commit(
        _ operations: [CreateOperation], in pool: DatabasePool, logger: Logger
    ) async -> [Result<CreateResult, any Error>] {
        do {
            let results = try await pool.write { db in
                operations.map { operation in
                    Result {
                        var result: CreateResult?
                        try db.inSavepoint {
                            switch operation {
                            case .payout(let new, let limits):
                                result = .payout(try insert(new, limits: limits, db: db))
                            case .batch(let new, let limits):
                                result = .batch(try insert(new, limits: limits, db: db))
                            }
                            return .commit
                        }
                        return result!
                    }
                }
            }
            for case .failure(let error) in results where error is DatabaseError { countDatabaseError("write") }
            return results
        } catch {
            if error is DatabaseError { countDatabaseError("write") }
            logger.error("ledger commit failed", metadata: ["error": "\(error)", "group": "\(operations.count)"])
            return operations.map { _ in .failure(error) }
        }
    }

    /// Runs `SELECT 1` on a reader connection; throws the database error when the file cannot be read.
    public func checkHealth() async throws {
        _ = try await read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }
}
