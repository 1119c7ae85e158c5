import Logging
import ServiceLifecycle

/// Produces a block every `config.blockIntervalMilliseconds` (nothing when 0: blocks on demand only).
public struct BlockProducer: Service {
    let chain: DevnetChain
    let logger: Logger

    /// A producer for `chain`, at `chain.config.blockIntervalMilliseconds`; failures are logged to `logger`.
    public init(chain: DevnetChain, logger: Logger) {
        self.chain = chain
        self.logger = logger
    }

    /// Produces blocks until graceful shutdown, then persists the state file.
    public func run() async throws {
        let interval = chain.config.blockIntervalMilliseconds
        guard interval > 0 else {
            try? await gracefulShutdown()
            try? chain.persist()
            return
        }
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    try await Task.sleep(for: .milliseconds(interval))
                    do {
                        try chain.produceBlock()
                    } catch {
                        logger.error("block production failed", metadata: ["error": "\(error)"])
                    }
                }
            }
        } catch is CancellationError {
            try? chain.persist()
            return
        }
    }
}
