import Logging
import PaymentStore
import ServiceLifecycle

/// Checkpoints the SQLite WAL once a second, off the request path (the ledger disables automatic checkpoints so
/// no create pays for one).
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
