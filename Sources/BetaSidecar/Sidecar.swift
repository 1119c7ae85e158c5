import Foundation
import Logging
import ServiceLifecycle

/// Everything one sidecar runs.
public struct SidecarSettings: Sendable {
    public enum Upstream: Sendable {
        case tcp(host: String, port: Int)
        case unix(path: String)
    }

    public var listenHost: String
    public var listenPort: Int
    public var tls: SidecarServer.TLSFiles
    public var trustDomain: String
    public var targetPlane: String
    public var targetService: String
    public var upstream: Upstream
    public var policyPath: String
    public var probe = UpstreamProber.Settings()
    /// The loopback admin gRPC listener serving lucid.sidecar.v1.RegistryService.
    public var adminGRPCHost = "127.0.0.1"
    public var adminGRPCPort = 9444
    public var version = "0.1.0"

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
    public let settings: SidecarSettings
    public let health = UpstreamHealth()
    public let policy: PolicyStore
    public let registry: any ServiceRegistry
    let upstream: UpstreamConnection
    let logger: Logger
    let metrics = SidecarMetrics()

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
