import Hummingbird
import Logging
import Prometheus
import ServerSupport
import ServiceLifecycle

/// The policy file named by `policy` did not load at start; the sidecar stops before serving.
public struct PolicyLoadError: Error, CustomStringConvertible {
    /// The parser's error, with the file, line and column.
    public var underlying: any Error
    /// `policy: <the parser's error>`, the line beta-sidecar prints before it exits.
    public var description: String { "policy: \(underlying)" }
}

extension SidecarConfig {
    /// The registry `registry.kind` selects: this sidecar's own, or etcd at `registry.etcd_url` with leases of
    /// `registry.lease_ttl_seconds`. Nothing is contacted until an instance is registered.
    public func makeRegistry(logger: Logger) -> any ServiceRegistry {
        switch registryKind {
        case .etcd: EtcdRegistry(endpoint: etcdURL, ttlSeconds: leaseTTLSeconds, logger: logger)
        case .embedded: EmbeddedRegistry()
        }
    }
}

extension Sidecar {
    /// The sidecar `config` describes, with the registry it selects. - Throws: `PolicyLoadError` when the policy
    /// file does not parse.
    public init(config: SidecarConfig, logger: Logger) throws(PolicyLoadError) {
        do {
            try self.init(settings: config.settings, registry: config.makeRegistry(logger: logger), logger: logger)
        } catch {
            throw PolicyLoadError(underlying: error)
        }
    }

    /// Runs `services` and the admin HTTP server at `adminListen` (routes of `SidecarAdmin`, `/metrics` from
    /// `metrics`) in one service group until SIGTERM or SIGINT, then shuts them down gracefully.
    public func run(adminListen: HostPort, metrics: PrometheusCollectorRegistry) async throws {
        let admin = Application(
            router: SidecarAdmin.router(metrics: metrics, health: health, registry: registry),
            configuration: .init(address: adminListen.bindAddress), logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) } + [.init(service: admin)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
