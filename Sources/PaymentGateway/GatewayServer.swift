import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Hummingbird
import Logging
import PaymentAPI
import Prometheus
import ServerSupport
import ServiceLifecycle

/// payment-gateway's process: the HTTP/JSON listener (`GatewayApp`), the admin listener (`AdminRouter`: /live,
/// /ready while the sidecar's health check answers SERVING, /metrics) and the mTLS gRPC client to the sidecar.
public enum GatewayServer {
    /// The program name in messages and the logger label.
    public static let program = "payment-gateway"

    /// Loads the settings (`GatewayConfig.load`), sets up logging and metrics, and serves until SIGTERM or SIGINT.
    /// A configuration or start-up error stops the process with exit code 2 (`Startup.exit`), naming the key or
    /// file, before anything listens.
    public static func serve(configFile: String?, environment: [String: String], overrides: [String: String])
        async throws
    {
        let (config, warnings) = Startup.orExit(program: program) {
            try GatewayConfig.load(file: configFile, environment: environment, overrides: overrides)
        }
        let registry = Observability.bootstrap(logLevel: config.logLevel)
        let logger = Logger(label: program)
        for warning in warnings { logger.warning("\(warning)") }
        let group: ServiceGroup
        do {
            group = try await services(config, registry: registry, logger: logger)
        } catch {
            Startup.exit(program: program, error)
        }
        try await group.run()
    }

    /// The gateway's services, ready to run: reads the token keys and the OpenAPI documents and builds the
    /// sidecar's transport (no connection is made yet).
    /// - Throws: `GatewayStartupError` for an unreadable or unsafe key file or refused keys (naming the flag,
    ///   variable or key), `GatewayPolicyError` for an operation without declared rules, or the transport's
    ///   error for unusable TLS files.
    public static func services(
        _ config: GatewayConfig, registry: PrometheusCollectorRegistry, logger: Logger
    ) async throws -> ServiceGroup {
        let verifier = try await verifier(config)
        let transport = try HTTP2ClientTransport.Posix(
            target: .dns(host: config.sidecar.host, port: config.sidecar.port),
            transportSecurity: .mTLS(
                certificateChain: [.file(path: config.tls.certificate, format: .pem)],
                privateKey: .file(path: config.tls.privateKey, format: .pem)
            ) {
                $0.trustRoots = .certificates([.file(path: config.tls.ca, format: .pem)])
            })
        let client = GRPCClient(transport: transport)
        let health = sidecarHealth(client)
        let gateway = try GatewayApp(
            operations: PaymentRESTShim.operations(client: client), verifier: verifier,
            limiter: RateLimiter(enabled: config.rateLimitsEnabled, maxKeys: config.rateLimitMaxKeys),
            settings: settings(config), health: health, logger: logger)
        let app = Application(
            router: gateway.router(), configuration: .init(address: config.listen.bindAddress), logger: logger)
        let admin = Application(
            router: AdminRouter.make(registry: registry, ready: { await health().ok }),
            configuration: .init(address: config.adminListen.bindAddress), logger: logger)
        return ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: GRPCClientService(client: client)), .init(service: app), .init(service: admin),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    }

    /// The token verifier for the configured keys; refuses none, both, or a short HS256 secret.
    static func verifier(_ config: GatewayConfig) async throws(GatewayStartupError) -> TokenVerifier {
        let secret = try config.jwtSecretFile.path.map { path throws(GatewayStartupError) in
            try HMACSecretFile.read(path, givenAs: config.jwtSecretFile.givenAs)
        }
        let jwks = try config.jwksFile.path.map { path throws(GatewayStartupError) in
            do {
                return try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw GatewayStartupError(
                    "\(config.jwksFile.givenAs): cannot read \(path) (\(error.localizedDescription))")
            }
        }
        do {
            return try await TokenVerifier.make(
                hmacSecret: secret, jwksJSON: jwks, issuer: config.issuer, audience: config.audience,
                hmacSource: config.jwtSecretFile.source, jwksSource: config.jwksFile.source)
        } catch let error as TokenKeyConfigurationError {
            throw GatewayStartupError(error.message)
        } catch {
            throw GatewayStartupError("\(config.jwksFile.source): not a usable JWKS (\(error))")
        }
    }

    /// The router's settings from the configuration; the OpenAPI documents are read here, once.
    static func settings(_ config: GatewayConfig) -> GatewayApp.Settings {
        var settings = GatewayApp.Settings()
        settings.corsOrigins = Set(config.corsOrigins)
        settings.requestTimeout = config.grpcTimeout
        settings.clientAddress = config.clientAddress
        let directory = config.openAPIDirectory
        settings.openAPIJSON = Array(
            FileManager.default.contents(atPath: "\(directory)/payment.openapi.json") ?? Data())
        settings.openAPIYAML = Array(
            FileManager.default.contents(atPath: "\(directory)/payment.openapi.yaml") ?? Data())
        return settings
    }

    /// The health endpoint's check: the sidecar's (and so payment-rpc's) gRPC health, with a 2 s deadline.
    static func sidecarHealth<Transport: ClientTransport>(
        _ client: GRPCClient<Transport>
    ) -> @Sendable () async -> (ok: Bool, checks: [String: String]) {
        let health = Grpc_Health_V1_Health.Client(wrapping: client)
        return {
            var options = CallOptions.defaults
            options.timeout = .seconds(2)
            let status = try? await health.check(.init(), options: options).status
            return (status == .serving, ["gateway": "ok", "sidecar": status.map { "\($0)" } ?? "unreachable"])
        }
    }
}

/// Runs the gRPC client's connections as a `Service`, closing them on graceful shutdown.
struct GRPCClientService: Service {
    let client: GRPCClient<HTTP2ClientTransport.Posix>

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await client.runConnections()
        } onGracefulShutdown: {
            client.beginGracefulShutdown()
        }
    }
}
