import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Hummingbird
import Logging
import Metrics
import PaymentAPI
import PaymentGateway
import Prometheus
import ServiceLifecycle

@main
struct PaymentGatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payment-gateway", abstract: "The HTTP/JSON payout API, generated from the proto files.",
        subcommands: [Serve.self, Token.self, RateLimits.self], defaultSubcommand: Serve.self)
}

/// Reads an HS256 secret from a file that only its owner may read.
func readSecret(_ path: String) throws -> String {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    let mode = (attributes[.posixPermissions] as? Int ?? 0) & 0o777
    guard mode & 0o077 == 0 else {
        throw ValidationError(
            "--jwt-secret-file: \(path) has mode \(String(mode, radix: 8)); it must be readable by its owner only (chmod 600)"
        )
    }
    return try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
}

struct Serve: AsyncParsableCommand {
    @Option(help: "HTTP listener, host:port.") var listen = "127.0.0.1:8080"
    @Option(name: .customLong("admin-listen"), help: "Admin HTTP (/metrics), host:port.") var adminListen =
        "127.0.0.1:9080"
    @Option(help: "payment-rpc's sidecar, host:port (mTLS).") var sidecar = "localhost:50443"
    @Option(help: "The gateway's client certificate (ops/api-gateway), PEM.") var cert: String
    @Option(help: "Its private key, PEM.") var key: String
    @Option(help: "The CA that signed the sidecar's certificate, PEM.") var ca: String
    @Option(name: .customLong("jwt-secret-file"), help: "HS256 secret (development), mode 0600.") var jwtSecretFile:
        String?
    @Option(help: "A JWKS file with RS256/ES256/EdDSA public keys (production).") var jwks: String?
    @Option(help: "Expected iss.") var issuer = "lucid-dev"
    @Option(help: "Expected aud.") var audience = "payment-api"
    @Option(name: .customLong("cors-origin"), help: "An allowed CORS origin (repeatable); none by default.")
    var corsOrigins: [String] = []
    @Flag(name: .customLong("no-rate-limits"), help: "Lift the per-principal rate limits (benchmarks).")
    var noRateLimits = false
    @Option(
        name: .customLong("rate-limit-max-keys"),
        help: "At most this many (operation, caller) keys tracked per one-minute window (new callers: 429).")
    var rateLimitMaxKeys = RateLimiter.defaultMaxKeys
    @Option(
        name: .customLong("trusted-proxy"),
        help: "A proxy (address or CIDR, repeatable) whose X-Forwarded-For the health limit believes; none by default.")
    var trustedProxies: [String] = []
    @Option(name: .customLong("openapi-dir")) var openAPIDir = "openapi"
    @Option(name: .customLong("timeout-ms"), help: "Deadline of each gRPC call.") var timeoutMs = 10_000
    @Option(name: .customLong("log-level")) var logLevel = "info"

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "payment-gateway")
        let verifier: TokenVerifier
        do {
            verifier = try await TokenVerifier.make(
                hmacSecret: try jwtSecretFile.map(readSecret),
                jwksJSON: try jwks.map { try String(contentsOfFile: $0, encoding: .utf8) },
                issuer: issuer, audience: audience,
                hmacSource: "--jwt-secret-file \(jwtSecretFile ?? "")", jwksSource: "--jwks \(jwks ?? "")")
        } catch let error as TokenKeyConfigurationError {
            throw ValidationError(error.message)
        }
        guard rateLimitMaxKeys > 0 else { throw ValidationError("--rate-limit-max-keys must be positive") }
        let clientAddress: ClientAddressResolver
        do {
            clientAddress = try ClientAddressResolver(parsing: trustedProxies)
        } catch {
            throw ValidationError(error.description)
        }
        guard let colon = sidecar.lastIndex(of: ":"), let port = Int(sidecar[sidecar.index(after: colon)...]) else {
            throw ValidationError("--sidecar takes host:port")
        }
        let transport = try HTTP2ClientTransport.Posix(
            target: .dns(host: String(sidecar[..<colon]), port: port),
            transportSecurity: .mTLS(
                certificateChain: [.file(path: cert, format: .pem)], privateKey: .file(path: key, format: .pem)
            ) {
                $0.trustRoots = .certificates([.file(path: ca, format: .pem)])
            })
        let client = GRPCClient(transport: transport)
        var settings = GatewayApp.Settings()
        settings.corsOrigins = Set(corsOrigins)
        settings.requestTimeout = .milliseconds(timeoutMs)
        settings.clientAddress = clientAddress
        settings.openAPIJSON = Array(
            (FileManager.default.contents(atPath: "\(openAPIDir)/payment.openapi.json") ?? Data()))
        settings.openAPIYAML = Array(
            (FileManager.default.contents(atPath: "\(openAPIDir)/payment.openapi.yaml") ?? Data()))
        let health = Grpc_Health_V1_Health.Client(wrapping: client)
        let gateway = try GatewayApp(
            operations: PaymentRESTShim.operations(client: client), verifier: verifier,
            limiter: RateLimiter(enabled: !noRateLimits, maxKeys: rateLimitMaxKeys), settings: settings,
            health: {
                var options = CallOptions.defaults
                options.timeout = .seconds(2)
                let status = try? await health.check(.init(), options: options).status
                return (status == .serving, ["gateway": "ok", "sidecar": status.map { "\($0)" } ?? "unreachable"])
            }, logger: logger)
        guard let listenColon = listen.lastIndex(of: ":"),
            let listenPort = Int(listen[listen.index(after: listenColon)...]),
            let adminColon = adminListen.lastIndex(of: ":"),
            let adminPort = Int(adminListen[adminListen.index(after: adminColon)...])
        else { throw ValidationError("--listen and --admin-listen take host:port") }
        let app = Application(
            router: gateway.router(),
            configuration: .init(address: .hostname(String(listen[..<listenColon]), port: listenPort)),
            logger: logger)
        let adminRouter = Hummingbird.Router()
        adminRouter.get("/metrics") { _, _ in
            var bytes: [UInt8] = []
            registry.emit(into: &bytes)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        let admin = Application(
            router: adminRouter,
            configuration: .init(address: .hostname(String(adminListen[..<adminColon]), port: adminPort)),
            logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: GRPCClientService(client: client)), .init(service: app), .init(service: admin),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// Runs the gRPC client's connections as a `Service`.
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

/// `payment-gateway token`: a development HS256 token.
struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a development JWT (HS256).")
    @Option(name: .customLong("jwt-secret-file")) var jwtSecretFile: String
    @Option var subject: String
    @Option(help: "admin, node_operator, end_user or service.") var role: String
    @Option var issuer = "lucid-dev"
    @Option var audience = "payment-api"
    @Option(name: .customLong("lifetime-seconds")) var lifetime: Double = 3600

    func run() async throws {
        let secret = try readSecret(jwtSecretFile)
        do {
            let keys = TokenKeyConfiguration(
                hmacSecret: secret, hmacSource: "--jwt-secret-file \(jwtSecretFile)", jwksJSON: nil)
            try keys.validate()
        } catch {
            throw ValidationError(error.message)
        }
        print(
            try await TokenVerifier.developmentToken(
                secret: secret, subject: subject, role: role, issuer: issuer, audience: audience,
                lifetime: lifetime))
    }
}

/// `payment-gateway rate-limits`: the per-RPC limits, for scripts/generate-openapi.sh to write into the document.
struct RateLimits: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rate-limits",
        abstract: "Print the per-RPC rate limits as protoc-gen-lucid-rest's rate_limits option (Rpc:perMinute;…).")

    func run() {
        print(RateLimiter.openAPIOption)
    }
}
