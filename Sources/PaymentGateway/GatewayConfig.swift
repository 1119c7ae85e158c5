import Foundation
import Logging
import ServerSupport

/// payment-gateway's settings: from a YAML file (`--config`), `PAYMENT_GATEWAY_*` environment variables and the
/// command-line flags, in rising precedence (`ConfigSource.load`). Each key is declared once in `schema`, with
/// its default; `init(_:)` reads them all and throws a `ConfigError` naming the first bad one.
public struct GatewayConfig: Sendable {
    /// Every key the gateway reads, with what it is for.
    public static let schema = ConfigSchema(
        program: "payment-gateway", environmentPrefix: "PAYMENT_GATEWAY_",
        keys: [
            ConfigKey("listen", "the HTTP/JSON listener, host:port (default 127.0.0.1:8080; flag --listen)"),
            ConfigKey(
                "admin.listen",
                "the admin HTTP listener (/live, /ready, /metrics), host:port (default 127.0.0.1:9080; "
                    + "flag --admin-listen)"),
            ConfigKey(
                "sidecar.address", "payment-rpc's beta-sidecar (mTLS), host:port (default localhost:50443; --sidecar)"),
            ConfigKey("tls.cert", "the gateway's client certificate (ops/api-gateway), PEM; required (--cert)"),
            ConfigKey("tls.key", "its private key, PEM; required (--key)"),
            ConfigKey("tls.ca", "the CA that signed the sidecar's certificate, PEM; required (--ca)"),
            ConfigKey(
                "jwt.secret_file",
                "an HS256 secret of at least 32 bytes (development), in a file of mode 0600 (--jwt-secret-file); "
                    + "exactly one of this and jwt.jwks_file"),
            ConfigKey("jwt.jwks_file", "a JWKS file with RS256/ES256/EdDSA public keys (production; --jwks)"),
            ConfigKey("jwt.issuer", "the tokens' expected iss (default lucid-dev; --issuer)"),
            ConfigKey("jwt.audience", "the tokens' expected aud (default payment-api; --audience)"),
            ConfigKey.list(
                "cors.origins", "the origins CORS allows, a list; none by default (--cors-origin, repeatable)"),
            ConfigKey(
                "rate_limits.enabled",
                "true or false: the per-principal rate limits (default true; --no-rate-limits sets false)"),
            ConfigKey(
                "rate_limits.max_keys",
                "at most this many (operation, caller) keys tracked per one-minute window; new callers get 429 "
                    + "(default 100000; --rate-limit-max-keys)"),
            ConfigKey.list(
                "trusted_proxies",
                "proxies (addresses or CIDRs, a list) whose X-Forwarded-For the health limit believes; none by "
                    + "default (--trusted-proxy, repeatable)"),
            ConfigKey(
                "openapi_dir",
                "the directory of payment.openapi.json and .yaml, served under /api/payment (default openapi; "
                    + "--openapi-dir)"),
            ConfigKey("grpc.timeout_ms", "the deadline of each gRPC call, milliseconds (default 10000; --timeout-ms)"),
            ConfigKey(
                "log.level", "trace, debug, info, notice, warning, error or critical (default info; --log-level)"),
        ],
        renamedKeys: [:], otherEnvironmentVariables: [])

    /// The command-line flag that overrides each key, for messages about values given that way.
    public static let flags: [String: String] = [
        "listen": "--listen", "admin.listen": "--admin-listen", "sidecar.address": "--sidecar", "tls.cert": "--cert",
        "tls.key": "--key", "tls.ca": "--ca", "jwt.secret_file": "--jwt-secret-file", "jwt.jwks_file": "--jwks",
        "jwt.issuer": "--issuer", "jwt.audience": "--audience", "cors.origins": "--cors-origin",
        "rate_limits.enabled": "--no-rate-limits", "rate_limits.max_keys": "--rate-limit-max-keys",
        "trusted_proxies": "--trusted-proxy", "openapi_dir": "--openapi-dir", "grpc.timeout_ms": "--timeout-ms",
        "log.level": "--log-level",
    ]

    /// The client certificate, its key and the CA the sidecar's certificate must chain to (PEM file paths).
    public struct TLSFiles: Sendable, Equatable {
        /// The gateway's certificate chain (identity ops/api-gateway).
        public var certificate: String
        /// The certificate's private key.
        public var privateKey: String
        /// The trust root for the sidecar.
        public var ca: String
    }

    /// An optional file named by a key, with the name of where it was given ("--jwt-secret-file", an environment
    /// variable, or the key itself when it is in the file or unset) for messages.
    public struct NamedFile: Sendable, Equatable {
        /// The file's path; nil when the key is unset or empty.
        public var path: String?
        /// Where the path was given: the flag, the environment variable or the key.
        public var givenAs: String
        /// "GIVEN-AS PATH" (or "GIVEN-AS" when unset), the source `TokenKeyConfiguration` names in messages.
        public var source: String { path.map { "\(givenAs) \($0)" } ?? givenAs }
    }

    /// The HTTP/JSON listener.
    public var listen: HostPort
    /// The admin listener (/live, /ready, /metrics).
    public var adminListen: HostPort
    /// The sidecar in front of payment-rpc.
    public var sidecar: HostPort
    /// The mTLS files for the sidecar connection.
    public var tls: TLSFiles
    /// The HS256 secret's file (development), if configured.
    public var jwtSecretFile: NamedFile
    /// The JWKS file (production), if configured.
    public var jwksFile: NamedFile
    /// The expected `iss`.
    public var issuer: String
    /// The expected `aud`.
    public var audience: String
    /// The origins CORS allows.
    public var corsOrigins: [String]
    /// Whether the per-principal rate limits apply.
    public var rateLimitsEnabled: Bool
    /// The cap on (operation, caller) keys per window (`RateLimiter`).
    public var rateLimitMaxKeys: Int
    /// Who the health limit counts, given the trusted proxies.
    public var clientAddress: ClientAddressResolver
    /// Where the OpenAPI documents are read from at start.
    public var openAPIDirectory: String
    /// The deadline of each gRPC call.
    public var grpcTimeout: Duration
    /// The lowest level logged.
    public var logLevel: Logger.Level

    /// Reads every key of `schema` from `source`.
    /// - Throws: `ConfigError` naming the key: a malformed host:port, a missing TLS file, a number out of range,
    ///   a trusted proxy that is not an address or CIDR, an unknown log level.
    public init(_ source: ConfigSource) throws(ConfigError) {
        listen = try source.hostPort("listen", default: HostPort(host: "127.0.0.1", port: 8080))
        adminListen = try source.hostPort("admin.listen", default: HostPort(host: "127.0.0.1", port: 9080))
        sidecar = try source.hostPort("sidecar.address", default: HostPort(host: "localhost", port: 50443))
        tls = TLSFiles(
            certificate: try source.required("tls.cert"), privateKey: try source.required("tls.key"),
            ca: try source.required("tls.ca"))
        jwtSecretFile = try Self.file("jwt.secret_file", in: source)
        jwksFile = try Self.file("jwt.jwks_file", in: source)
        issuer = try source.string("jwt.issuer", default: "lucid-dev")
        audience = try source.string("jwt.audience", default: "payment-api")
        corsOrigins = try source.list("cors.origins")
        rateLimitsEnabled = try source.bool("rate_limits.enabled") ?? true
        rateLimitMaxKeys = try source.integer(
            "rate_limits.max_keys", in: 1...Int.max, default: RateLimiter.defaultMaxKeys)
        let proxies = try source.list("trusted_proxies")
        do throws(TrustedProxyError) {
            clientAddress = try ClientAddressResolver(parsing: proxies)
        } catch {
            throw ConfigError(
                key: "trusted_proxies",
                "\"\(error.value)\" is not an IP address or CIDR (e.g. 10.0.0.0/8, 127.0.0.1, fd00::/8)")
        }
        openAPIDirectory = try source.string("openapi_dir", default: "openapi")
        grpcTimeout = .milliseconds(try source.integer("grpc.timeout_ms", in: 1...3_600_000, default: 10_000))
        logLevel = try source.logLevel(default: .info)
    }

    /// Loads the settings: `file` (when given), then `environment`'s `PAYMENT_GATEWAY_*` variables, then
    /// `overrides` (flag values keyed by config key), and reads them.
    /// - Throws: `ConfigError` naming the file, variable or key that is unknown or bad.
    public static func load(
        file: String?, environment: [String: String], overrides: [String: String]
    ) throws(ConfigError) -> (config: GatewayConfig, warnings: [String]) {
        let source = try ConfigSource.load(schema, file: file, environment: environment, overrides: overrides)
        return (try GatewayConfig(source), source.warnings)
    }

    /// A path-valued key with where it was given.
    static func file(_ key: String, in source: ConfigSource) throws(ConfigError) -> NamedFile {
        let path = try source.string(key)
        return NamedFile(path: path?.isEmpty == false ? path : nil, givenAs: name(of: key, in: source))
    }

    /// How the user gave `key`: its flag, its environment variable, or the key itself (file or unset).
    static func name(of key: String, in source: ConfigSource) -> String {
        switch source.origin(of: key) {
        case .override: flags[key] ?? key
        case .environment(let variable): variable
        case .file, nil: key
        }
    }
}
