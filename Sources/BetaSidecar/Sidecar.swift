import Foundation
import Logging
import ServiceLifecycle

/// Everything one sidecar runs.
public struct SidecarSettings: Sendable {
    /// Where the guarded service listens for plaintext HTTP/2 (h2c) gRPC.
    public enum Upstream: Sendable {
        /// A TCP address (`upstream: host:port`).
        case tcp(host: String, port: Int)
        /// A Unix domain socket (`upstream: unix:/path`).
        case unix(path: String)
    }

    /// The mTLS listener's host (`listen`), an IP address or a name to bind.
    public var listenHost: String
    /// The mTLS listener's port (`listen`); with the host also the instance's registered address.
    public var listenPort: Int
    /// This sidecar's certificate, key and the CA bundle callers must chain to (`tls.*`).
    public var tls: SidecarServer.TLSFiles
    /// The only trust domain whose SPIFFE IDs are accepted (`trust_domain`).
    public var trustDomain: String
    /// The plane of the guarded service, the ACL's callee plane (`target`, before the slash).
    public var targetPlane: String
    /// The guarded service, the ACL's callee service (`target`, after the slash).
    public var targetService: String
    /// Where calls that the policy allows are relayed (`upstream`).
    public var upstream: Upstream
    /// The plane ACL file (`policy`), loaded at start and reloaded on SIGHUP or change.
    public var policyPath: String
    /// How the upstream's health is probed (`probe.*`).
    public var probe = UpstreamProber.Settings()
    /// The loopback admin gRPC listener serving lucid.sidecar.v1.RegistryService.
    public var adminGRPCHost = "127.0.0.1"
    /// The admin gRPC listener's port (`admin.grpc_listen`).
    public var adminGRPCPort = 9444
    /// The version registered with the instance.
    public var version = "0.1.0"

    /// Settings with the default probe, admin gRPC address (127.0.0.1:9444) and version; nothing is checked here
    /// (SidecarConfig validates).
    public init(
        listenHost: String, listenPort: Int, tls: SidecarServer.TLSFiles, trustDomain: String, targetPlane: String,
        targetService: String, upstream: Upstream, policyPath: String
    ) {
        self.listenHost = listenHost
        self.listenPort = listenPort
        self.tls = tls
        self.trustDomain = trustDomain
        self.targetPlane = targetPlane
        self.targetService = targetService
        self.upstream = upstream
        self.policyPath = policyPath
    }
}

/// The sidecar assembled: proxy, prober (which registers the instance when the upstream first becomes healthy and
/// updates its health), policy reloader (SIGHUP and file changes). Deregisters on shutdown.
public struct Sidecar: Sendable {
    /// What this sidecar was started with.
    public let settings: SidecarSettings
    /// The upstream's health as the prober last saw it; drives fail-fast, the registry entry and `/ready`.
    public let health = UpstreamHealth()
    /// The ACL in force.
    public let policy: PolicyStore
    /// Where this instance is registered (embedded or etcd); served at `/registry` and by the admin gRPC API.
    public let registry: any ServiceRegistry
    let upstream: UpstreamConnection
    let logger: Logger
    let metrics = SidecarMetrics()

    /// Loads the policy (throws its positioned parse error) and prepares the upstream connection pool; nothing
    /// listens or connects until `services` run.
    public init(settings: SidecarSettings, registry: any ServiceRegistry, logger: Logger) throws {
        self.settings = settings
        self.registry = registry
        self.logger = logger
        self.policy = try PolicyStore(path: settings.policyPath, logger: logger)
        let target: UpstreamConnection.Target
        switch settings.upstream {
        case .tcp(let host, let port): target = .tcp(host: host, port: port)
        case .unix(let path): target = .unix(path: path)
        }
        self.upstream = UpstreamConnection(target: target, group: .singletonMultiThreadedEventLoopGroup, logger: logger)
    }

    var instance: ServiceInstance {
        ServiceInstance(
            id: "\(settings.targetPlane)/\(settings.targetService)@\(settings.listenHost):\(settings.listenPort)",
            name: settings.targetService, plane: settings.targetPlane, address: settings.listenHost,
            port: settings.listenPort,
            tags: ["grpc", "mtls"], healthy: health.isServing, version: settings.version)
    }

    /// The services to run in one ServiceGroup: the registry's own (etcd keepalive), the mTLS listener, the prober,
    /// the policy reloader and the admin gRPC server. The caller adds the admin HTTP server.
    public var services: [any Service] {
        let context = SidecarContext(
            trustDomain: settings.trustDomain, targetPlane: settings.targetPlane, targetService: settings.targetService,
            policy: policy, upstream: upstream, health: health, logger: logger, metrics: metrics)
        let sidecar = self
        let registryService: [any Service] = (registry as? any Service).map { [$0] } ?? []
        return registryService + [
            SidecarServer(host: settings.listenHost, port: settings.listenPort, tls: settings.tls, context: context),
            UpstreamProber(
                target: upstream.target, settings: settings.probe, health: health,
                onChange: { _ in
                    do { try await sidecar.registry.register(sidecar.instance) } catch {
                        sidecar.logger.warning("registration failed", metadata: ["error": "\(error)"])
                    }
                }, logger: logger),
            PolicyReloader(policy: policy, registry: registry, instanceID: instance.id, logger: logger),
            RegistryAdminServer(
                host: settings.adminGRPCHost, port: settings.adminGRPCPort, registry: registry, logger: logger),
        ]
    }
}

/// Reloads the policy on SIGHUP and when the file changes (checked every second); deregisters on shutdown.
struct PolicyReloader: Service {
    let policy: PolicyStore
    let registry: any ServiceRegistry
    let instanceID: String
    let logger: Logger

    func run() async throws {
        signal(SIGHUP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP)
        source.setEventHandler { [policy] in policy.reload(reason: "SIGHUP") }
        source.resume()
        defer { source.cancel() }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            policy.reloadIfChanged()
        }
        try? await registry.deregister(id: instanceID)
    }
}
