import ArgumentParser
import BetaSidecar
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// `beta-sidecar run`: the proxy in front of one service instance.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the sidecar in front of a service.")

    @Option(help: "mTLS listener, host:port.") var listen = "127.0.0.1:50443"
    @Option(name: .customLong("admin-listen"), help: "Admin HTTP (/live, /ready, /metrics, /registry), host:port.") var adminListen = "127.0.0.1:9443"
    @Option(help: "The upstream gRPC server: host:port or unix:/path.") var upstream = "127.0.0.1:50051"
    @Option(help: "The guarded service, plane/service.") var target = "wallet/tron-payment"
    @Option(help: "The plane ACL file.") var policy = "acl/wallet_plane.acl"
    @Option(name: .customLong("trust-domain")) var trustDomain = "lucid"
    @Option(help: "This sidecar's certificate (PEM).") var cert: String
    @Option(help: "Its private key (PEM).") var key: String
    @Option(help: "The CA bundle that client certificates must chain to (PEM).") var ca: String
    @Option(name: .customLong("probe-interval-ms")) var probeIntervalMs = 1_000
    @Option(name: .customLong("unhealthy-threshold")) var unhealthyThreshold = 2
    @Option(name: .customLong("healthy-threshold")) var healthyThreshold = 1
    @Option(help: "Where to register: embedded (served at /registry) or etcd.") var registry = "embedded"
    @Option(name: .customLong("etcd-url"), help: "etcd's client URL, for --registry etcd.") var etcdURL = "http://127.0.0.1:2379"
    @Option(name: .customLong("lease-ttl"), help: "etcd lease TTL in seconds.") var leaseTTL = 5
    @Option(name: .customLong("log-level")) var logLevel = "info"

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let metricsRegistry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metricsRegistry))
        let logger = Logger(label: "beta-sidecar")
        guard let (host, port) = Self.hostPort(listen), let (adminHost, adminPort) = Self.hostPort(adminListen) else {
            throw ValidationError("--listen and --admin-listen take host:port")
        }
        guard let targetParts = Optional(target.split(separator: "/").map(String.init)), targetParts.count == 2 else {
            throw ValidationError("--target takes plane/service")
        }
        let upstreamTarget: SidecarSettings.Upstream
        if upstream.hasPrefix("unix:") {
            upstreamTarget = .unix(path: String(upstream.dropFirst(5)))
        } else if let (upstreamHost, upstreamPort) = Self.hostPort(upstream) {
            upstreamTarget = .tcp(host: upstreamHost, port: upstreamPort)
        } else {
            throw ValidationError("--upstream takes host:port or unix:/path")
        }
        var settings = SidecarSettings(
            listenHost: host, listenPort: port, tls: .init(certificate: cert, key: key, caBundle: ca), trustDomain: trustDomain,
            targetPlane: targetParts[0], targetService: targetParts[1], upstream: upstreamTarget, policyPath: policy)
        settings.probe.interval = .milliseconds(probeIntervalMs)
        settings.probe.unhealthyThreshold = unhealthyThreshold
        settings.probe.healthyThreshold = healthyThreshold
        let serviceRegistry: any ServiceRegistry
        switch registry {
        case "embedded": serviceRegistry = EmbeddedRegistry()
        case "etcd": serviceRegistry = EtcdRegistry(endpoint: etcdURL, ttlSeconds: leaseTTL, logger: logger)
        default: throw ValidationError("--registry takes embedded or etcd, got \(registry)")
        }
        let sidecar = try Sidecar(settings: settings, registry: serviceRegistry, logger: logger)

        let router = Hummingbird.Router()
        router.get("/live") { _, _ in "live\n" }
        router.get("/ready") { _, _ in
            sidecar.health.isServing ? Response(status: .ok) : Response(status: .serviceUnavailable)
        }
        router.get("/metrics") { _, _ in
            var bytes: [UInt8] = []
            metricsRegistry.emit(into: &bytes)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        router.get("/registry") { _, _ in
            let data = try JSONEncoder().encode(try await sidecar.registry.list())
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        let admin = Application(router: router, configuration: .init(address: .hostname(adminHost, port: adminPort)), logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: sidecar.services.map { .init(service: $0) } + [.init(service: admin)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    static func hostPort(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else { return nil }
        return (String(text[..<colon]), port)
    }
}
