import Logging
import PaymentStore
import ServiceLifecycle

/// Checkpoints the SQLite WAL once a second on a connection of its own, off the request path, so creates seldom
/// meet SQLite's automatic checkpoint inside their commit.
struct LedgerCheckpointer: Service {
    let ledger: SQLiteLedger
    let logger: Logger

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    try await Task.sleep(for: .seconds(1))
                    do {
                        try await ledger.checkpoint()
                    } catch {
                        logger.warning("WAL checkpoint failed", metadata: ["error": "\(error)"])
                    }
                }
            }
        } catch is CancellationError {
            return
        }
    }
}
