import ArgumentParser
import BetaSidecar
import Foundation
import Logging
import ServerSupport

/// `beta-sidecar run`: the proxy in front of one service instance. Settings come from `--config` (YAML), then
/// `BETA_SIDECAR_*` environment variables, then these flags (each names the key it overrides).
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the sidecar in front of a service.")

    @Option(help: "A YAML configuration file.") var config: String?
    @Option(help: "mTLS listener, host:port (listen).") var listen: String?
    @Option(name: .customLong("admin-listen"), help: "Admin HTTP: /live, /ready, /metrics, /registry (admin.listen).")
    var adminListen: String?
    @Option(name: .customLong("admin-grpc-listen"), help: "Loopback gRPC registry API, host:port (admin.grpc_listen).")
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

    /// The flags given, keyed by the configuration key each overrides.
    var overrides: [String: String] {
        let flags: [(String, String?)] = [
            ("listen", listen), ("admin.listen", adminListen), ("admin.grpc_listen", adminGRPCListen),
            ("upstream", upstream), ("target", target), ("policy", policy), ("trust_domain", trustDomain),
            ("tls.cert", cert), ("tls.key", key), ("tls.ca", ca),
            ("probe.interval_ms", probeIntervalMs.map(String.init)),
            ("probe.unhealthy_threshold", unhealthyThreshold.map(String.init)),
            ("probe.healthy_threshold", healthyThreshold.map(String.init)), ("registry.kind", registry),
            ("registry.etcd_url", etcdURL), ("registry.lease_ttl_seconds", leaseTTL.map(String.init)),
            ("log.level", logLevel),
        ]
        return flags.reduce(into: [:]) { result, flag in result[flag.0] = flag.1 }
    }

    func run() async throws {
        let settings = Startup.orExit(program: "beta-sidecar") {
            try SidecarConfig.load(file: config, environment: ProcessInfo.processInfo.environment, overrides: overrides)
        }
        let metrics = Observability.bootstrap(logLevel: settings.logLevel)
        let logger = Logger(label: "beta-sidecar")
        for warning in settings.warnings { logger.warning("\(warning)") }
        let sidecar = Startup.orExit(program: "beta-sidecar") { try Sidecar(config: settings, logger: logger) }
        try await sidecar.run(adminListen: settings.adminListen, metrics: metrics)
    }
}
