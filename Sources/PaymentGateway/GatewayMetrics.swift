import Metrics
import MetricHandles

/// Request counters and timers, made once per label set (a factory lookup per request is a lock and a hash).
final class GatewayMetrics: Sendable {
    private struct Key: Hashable {
        var operation: String
        var status: Int
    }
    private let counters = MetricHandleCache<Key, Counter>()
    private let timers = MetricHandleCache<String, Metrics.Timer>()

    func record(operation: String, status: Int, elapsed: Duration) {
        timers.handle(for: operation) {
            Metrics.Timer(label: "gateway_request_duration_seconds", dimensions: [("operation", operation)])
        }.recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        counters.handle(for: Key(operation: operation, status: status)) {
            Counter(
                label: "gateway_requests_total", dimensions: [("operation", operation), ("status", String(status))])
        }.increment()
    }
}
