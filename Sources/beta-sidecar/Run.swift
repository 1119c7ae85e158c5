import ArgumentParser
import BetaSidecar
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// `beta-sidecar run`: the proxy in front of one service instance. Settings come from `--config` (YAML), then
/// `BETA_SIDECAR_*` environment variables, then these flags.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the sidecar in front of a service.")

    @Option(help: "A YAML configuration file.") var config: String?
    @Option(help: "mTLS listener, host:port (listen).") var listen: String?
    @Option(name: .customLong("admin-listen"), help: "Admin HTTP: /live, /ready, /metrics, /registry (admin_listen).")
    var adminListen: String?
    @Option(name: .customLong("admin-grpc-listen"), help: "Loopback gRPC registry API, host:port (admin_grpc_listen).")
    var adminGRPCListen: String?
    @Option(help: "The upstream gRPC server: host:port or unix:/path (upstream).") var upstream: String?
    @Option(help: "The guarded service, plane/service (target).") var target: String?
    @Option(help: "The plane ACL file (policy).") var policy: String?
    @Option(name: .customLong("trust-domain")) var trustDomain: String?
    @Option(help: "This sidecar's certificate, PEM (tls.cert).") var cert: String?
    @Option(help: "Its private key, PEM (tls.key).") var key: String?
    @Option(help: "The CA bundle client certificates must chain to, PEM (tls.ca).") var ca: String?
    @Option(name: .customLong("probe-interval-ms")) var probeIntervalMs: Int?
    @Option(name: .customLong("unhealthy-threshold")) var unhealthyThreshold: Int?
    @Option(name: .customLong("healthy-threshold")) var healthyThreshold: Int?
    @Option(help: "embedded (served at /registry) or etcd (registry.kind).") var registry: String?
    @Option(name: .customLong("etcd-url")) var etcdURL: String?
    @Option(name: .customLong("lease-ttl")) var leaseTTL: Int?
    @Option(name: .customLong("log-level")) var logLevel: String?

    func run() async throws {
        var overrides: [String: String] = [:]
        let flags: [(String, String?)] = [
            ("listen", listen), ("admin_listen", adminListen), ("admin_grpc_listen", adminGRPCListen),
            ("upstream", upstream), ("target", target),
            ("policy", policy), ("trust_domain", trustDomain), ("tls.cert", cert), ("tls.key", key), ("tls.ca", ca),
            ("probe.interval_ms", probeIntervalMs.map(String.init)),
            ("probe.unhealthy_threshold", unhealthyThreshold.map(String.init)),
            ("probe.healthy_threshold", healthyThreshold.map(String.init)), ("registry.kind", registry),
            ("registry.etcd_url", etcdURL), ("registry.lease_ttl_seconds", leaseTTL.map(String.init)),
            ("log.level", logLevel),
        ]
        for (key, value) in flags { if let value { overrides[key] = value } }
        let settings: SidecarConfig
        do {
            settings = try SidecarConfig.load(
                file: config, environment: ProcessInfo.processInfo.environment, overrides: overrides)
        } catch {
            FileHandle.standardError.write(Data("beta-sidecar: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let level = Logger.Level(rawValue: settings.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let metricsRegistry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metricsRegistry))
        let logger = Logger(label: "beta-sidecar")
        let serviceRegistry: any ServiceRegistry =
            settings.registryKind == "etcd"
            ? EtcdRegistry(endpoint: settings.etcdURL, ttlSeconds: settings.leaseTTLSeconds, logger: logger)
            : EmbeddedRegistry()
        let sidecar: Sidecar
        do {
            sidecar = try Sidecar(settings: settings.settings, registry: serviceRegistry, logger: logger)
        } catch {
            FileHandle.standardError.write(Data("beta-sidecar: policy: \(error)\n".utf8))
            throw ExitCode(2)
        }

        let router = SidecarAdmin.router(
            metrics: metricsRegistry, health: sidecar.health, registry: sidecar.registry)
        let admin = Application(
            router: router,
            configuration: .init(address: .hostname(settings.adminListen.host, port: settings.adminListen.port)),
            logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: sidecar.services.map { .init(service: $0) } + [.init(service: admin)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
