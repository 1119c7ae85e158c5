import Metrics
import PaymentCore
import MetricHandles

/// The server's metrics, with the seed's names. Labels are bounded: router, priority and an outcome word,
/// never an id or an address. Amount metrics are display values in USDT; the ledger is the record.
public final class PaymentMetrics: Sendable {
    private struct RequestKey: Hashable {
        var router: String
        var priority: String
        var outcome: String
    }

    /// Metric handles are made once and reused: the factory lookup is a lock and a hash of the labels.
    private let requests = MetricHandleCache<RequestKey, Counter>()
    private let amount = FloatingPointCounter(label: "tron_payout_amount_usdt_total")
    private let processing = Metrics.Timer(label: "tron_payout_processing_duration_seconds")

    /// Handles on the global MetricsSystem: bootstrap it first (payment-rpc does, in `launch`), or the handles
    /// made before go nowhere. Instances are cheap and share the same metrics.
    public init() {}

    /// Counts a CreatePayout/CreateBatch item by its outcome: accepted, replayed, invalid, limit_exceeded,
    /// unavailable, conflict, error.
    public func recordRequest(router: Router?, priority: Priority?, outcome: String, count: Int = 1) {
        let key = RequestKey(
            router: router?.rawValue ?? "unknown", priority: priority?.rawValue ?? "IMMEDIATE", outcome: outcome)
        requests.handle(for: key) {
            Counter(
                label: "tron_payment_requests_total",
                dimensions: [("router_type", key.router), ("priority", key.priority), ("status", key.outcome)])
        }.increment(by: count)
    }

    /// Adds accepted amounts.
    public func recordAcceptedAmount(units: Int64) {
        amount.increment(by: Self.usdt(units))
    }

    /// The time from request to durable record.
    public func recordProcessing(duration: Duration) {
        processing.recordNanoseconds(
            duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    /// Sets the gauges that describe the ledger and the breaker. `oldestUnfinishedAge` is how long the
    /// longest-waiting unfinished payout has waited since it became due (`tron_oldest_unfinished_payout_age_seconds`,
    /// 0 when none waits).
    public func updateGauges(
        usage: LimitUsage, pending: Int64, breakerOpen: Bool, oldestUnfinishedAge: Duration = .zero
    ) {
        Gauge(label: "tron_oldest_unfinished_payout_age_seconds").record(max(0, oldestUnfinishedAge.components.seconds))
        Gauge(label: "tron_daily_limit_usage_usdt").record(Self.usdt(usage.dayUnits))
        Gauge(label: "tron_hourly_limit_usage_usdt").record(Self.usdt(usage.hourUnits))
        Gauge(label: "tron_pending_payouts_count").record(pending)
        Gauge(label: "tron_circuit_breaker_open").record(breakerOpen ? 1 : 0)
    }

    /// Exact integer division first, so the only rounding is Double's representation of the result.
    static func usdt(_ units: Int64) -> Double {
        Double(units / USDT.unitsPerUSDT) + Double(units % USDT.unitsPerUSDT) / Double(USDT.unitsPerUSDT)
    }
}
