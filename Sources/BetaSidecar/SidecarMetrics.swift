import Metrics
import MetricHandles

/// The sidecar's per-call metrics, with handles made once per label set (a factory lookup per call is a lock and a
/// hash of the labels, on the proxy's hot path).
final class SidecarMetrics: Sendable {
    private struct Key: Hashable {
        var label: String
        var first: String
        var second: String
    }

    private let counters = MetricHandleCache<Key, Counter>()
    let upstreamLatency = Metrics.Timer(label: "sidecar_upstream_latency_seconds")

    /// `sidecar_calls_total{rule,decision}`.
    func call(rule: String, decision: String) {
        counter(Key(label: "sidecar_calls_total", first: rule, second: decision), names: ("rule", "decision"))
            .increment()
    }

    /// `sidecar_shadow_decisions_total{rule,action}`.
    func shadow(rule: String, action: String) {
        counter(Key(label: "sidecar_shadow_decisions_total", first: rule, second: action), names: ("rule", "action"))
            .increment()
    }

    private func counter(_ key: Key, names: (String, String)) -> Counter {
        counters.handle(for: key) {
            Counter(label: key.label, dimensions: [(names.0, key.first), (names.1, key.second)])
        }
    }
}
