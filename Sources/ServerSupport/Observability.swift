import Logging
import Metrics
import Prometheus

/// Process-wide logging and metrics, set up once at start by each program's `serve`/`run` command.
public enum Observability {
    /// Bootstraps swift-log (stderr, at `logLevel`) and swift-metrics (a Prometheus registry) and returns the
    /// registry that the admin router's `/metrics` serves. Call once per process, before the first log line.
    public static func bootstrap(logLevel: Logger.Level) -> PrometheusCollectorRegistry {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = logLevel
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }
}
