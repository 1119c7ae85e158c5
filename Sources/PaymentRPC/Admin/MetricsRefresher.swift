import Logging
import PaymentStore
import ServiceLifecycle

/// Keeps the ledger gauges (limit usage, pending payouts, the oldest unfinished payout's wait, breaker) current,
/// every few seconds.
struct MetricsRefresher: Service {
    let ledger: any PayoutLedger
    let breaker: BreakerController
    let metrics: PaymentMetrics
    let interval: Duration
    let logger: Logger

    /// Returns (without error) when the group shuts down gracefully.
    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    await refresh()
                    try await Task.sleep(for: interval)
                }
            }
        } catch is CancellationError {
            return
        }
    }

    func refresh() async {
        // On a shared ledger another instance may have tripped or reset the breaker (the processor refreshes it too).
        await breaker.refresh()
        do {
            let now = breaker.clockNow()
            let stats = try await ledger.stats(at: now)
            let waited = stats.oldestUnfinishedDueAt.map { now.timeIntervalSince($0) } ?? 0
            metrics.updateGauges(
                usage: stats.usage, pending: stats.countsByStatus[.pending] ?? 0,
                breakerOpen: breaker.current().state == .open,
                oldestUnfinishedAge: .milliseconds(Int64((max(0, waited) * 1000).rounded())))
        } catch {
            logger.warning("could not refresh ledger metrics", metadata: ["error": "\(error)"])
        }
    }
}
