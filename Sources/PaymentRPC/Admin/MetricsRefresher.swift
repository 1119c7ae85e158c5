import Logging
import PaymentStore
import ServiceLifecycle

/// Keeps the ledger gauges (limit usage, pending payouts, breaker) current, every few seconds.
struct MetricsRefresher: Service {
    let ledger: any PayoutLedger
    let breaker: BreakerController
    let metrics: PaymentMetrics
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await refresh()
                try await Task.sleep(for: interval)
            }
        }
    }

    func refresh() async {
        do {
            let now = breaker.clockNow()
            let stats = try await ledger.stats(at: now)
            metrics.updateGauges(
                usage: stats.usage, pending: stats.countsByStatus[.pending] ?? 0,
                breakerOpen: breaker.current().state == .open)
        } catch {
            logger.warning("could not refresh ledger metrics", metadata: ["error": "\(error)"])
        }
    }
}
