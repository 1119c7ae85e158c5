import ArgumentParser
import Foundation
import PaymentGateway
import ServerCommands

@main
struct PaymentGatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payment-gateway", abstract: "The HTTP/JSON payout API, generated from the proto files.",
        subcommands: [Serve.self, Token.self, RateLimits.self, HealthcheckCommand<GatewayAdminPort>.self],
        defaultSubcommand: Serve.self)
}

/// The gateway's admin port by default (`admin.listen`).
enum GatewayAdminPort: AdminPortDefault {
    static let adminAddress = "127.0.0.1:9080"
}

/// `payment-gateway [serve]`: each flag overrides its configuration key (GatewayConfig.schema), which overrides
/// PAYMENT_GATEWAY_* in the environment, which overrides the --config file.
struct Serve: AsyncParsableCommand {
    @Option(help: "A YAML configuration file (keys: see GatewayConfig.schema).") var config: String?
    @Option(help: "listen: HTTP listener, host:port.") var listen: String?
    @Option(name: .customLong("admin-listen"), help: "admin.listen: /live, /ready, /metrics, host:port.")
    var adminListen: String?
    @Option(help: "sidecar.address: payment-rpc's sidecar, host:port (mTLS).") var sidecar: String?
    @Option(help: "tls.cert: the gateway's client certificate (ops/api-gateway), PEM.") var cert: String?
    @Option(help: "tls.key: its private key, PEM.") var key: String?
    @Option(help: "tls.ca: the CA that signed the sidecar's certificate, PEM.") var ca: String?
    @Option(name: .customLong("jwt-secret-file"), help: "jwt.secret_file: HS256 secret (development), mode 0600.")
    var jwtSecretFile: String?
    @Option(help: "jwt.jwks_file: a JWKS with RS256/ES256/EdDSA public keys (production).") var jwks: String?
    @Option(help: "jwt.issuer: expected iss.") var issuer: String?
    @Option(help: "jwt.audience: expected aud.") var audience: String?
    @Option(name: .customLong("cors-origin"), help: "cors.origins: an allowed CORS origin (repeatable).")
    var corsOrigins: [String] = []
    @Flag(name: .customLong("no-rate-limits"), help: "rate_limits.enabled=false (benchmarks).") var noRateLimits = false
    @Option(name: .customLong("rate-limit-max-keys"), help: "rate_limits.max_keys: (operation, caller) keys a minute.")
    var rateLimitMaxKeys: String?
    @Option(name: .customLong("trusted-proxy"), help: "trusted_proxies: an address or CIDR (repeatable).")
    var trustedProxies: [String] = []
    @Option(name: .customLong("openapi-dir"), help: "openapi_dir: where the OpenAPI documents are.")
    var openAPIDir: String?
    @Option(name: .customLong("timeout-ms"), help: "grpc.timeout_ms: deadline of each gRPC call.") var timeoutMs:
        String?
    @Option(name: .customLong("log-level"), help: "log.level.") var logLevel: String?

    func run() async throws {
        var overrides: [String: String] = [:]
        let given: [(String, String?)] = [
            ("listen", listen), ("admin.listen", adminListen), ("sidecar.address", sidecar), ("tls.cert", cert),
            ("tls.key", key), ("tls.ca", ca), ("jwt.secret_file", jwtSecretFile), ("jwt.jwks_file", jwks),
            ("jwt.issuer", issuer), ("jwt.audience", audience), ("rate_limits.max_keys", rateLimitMaxKeys),
            ("openapi_dir", openAPIDir), ("grpc.timeout_ms", timeoutMs), ("log.level", logLevel),
            ("cors.origins", corsOrigins.isEmpty ? nil : corsOrigins.joined(separator: ",")),
            ("trusted_proxies", trustedProxies.isEmpty ? nil : trustedProxies.joined(separator: ",")),
            ("rate_limits.enabled", noRateLimits ? "false" : nil),
        ]
        for case (let key, let value?) in given { overrides[key] = value }
        try await GatewayServer.serve(
            configFile: config, environment: ProcessInfo.processInfo.environment, overrides: overrides)
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
        do {
            let secret = try HMACSecretFile.read(jwtSecretFile, givenAs: "--jwt-secret-file")
            try TokenKeyConfiguration(
                hmacSecret: secret, hmacSource: "--jwt-secret-file \(jwtSecretFile)", jwksJSON: nil
            ).validate()
            print(
                try await TokenVerifier.developmentToken(
                    secret: secret, subject: subject, role: role, issuer: issuer, audience: audience,
                    lifetime: lifetime))
        } catch let error as GatewayStartupError {
            throw ValidationError(error.message)
        } catch let error as TokenKeyConfigurationError {
            throw ValidationError(error.message)
        }
    }
}

/// `payment-gateway rate-limits`: the per-RPC limits, for scripts/generate-openapi.sh to write into the document.
struct RateLimits: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rate-limits",
        abstract: "Print the per-RPC rate limits as protoc-gen-lucid-rest's rate_limits option (Rpc:perMinute;…).")

    func run() { print(RateLimiter.openAPIOption) }
}
