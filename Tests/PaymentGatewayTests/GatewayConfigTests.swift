import Foundation
import ServerSupport
import Testing

@testable import PaymentGateway

@Suite("Gateway configuration: file, environment, flags")
struct GatewayConfigTests {
    static let tls = ["tls.cert": "/c.pem", "tls.key": "/k.pem", "tls.ca": "/ca.pem"]

    /// A YAML file with `text`, removed after `body`.
    static func withFile<T>(_ text: String, _ body: (String) throws -> T) throws -> T {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-\(UUID()).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try body(path)
    }

    static func load(
        file: String? = nil, environment: [String: String] = [:], overrides: [String: String] = tls
    ) throws -> GatewayConfig {
        try GatewayConfig.load(file: file, environment: environment, overrides: overrides).config
    }

    @Test("defaults: the flags' old defaults")
    func defaults() throws {
        let config = try Self.load()
        #expect(config.listen == HostPort(host: "127.0.0.1", port: 8080))
        #expect(config.adminListen == HostPort(host: "127.0.0.1", port: 9080))
        #expect(config.sidecar == HostPort(host: "localhost", port: 50443))
        #expect(config.issuer == "lucid-dev" && config.audience == "payment-api")
        #expect(config.rateLimitsEnabled && config.rateLimitMaxKeys == RateLimiter.defaultMaxKeys)
        #expect(config.openAPIDirectory == "openapi" && config.grpcTimeout == .seconds(10))
        #expect(config.corsOrigins.isEmpty && config.clientAddress.trustedProxies.isEmpty)
        #expect(config.logLevel == .info)
        #expect(config.jwtSecretFile.path == nil && config.jwtSecretFile.source == "jwt.secret_file")
    }

    @Test("a flag overrides the environment, which overrides the file")
    func precedence() throws {
        let yaml = """
            listen: 127.0.0.1:1001
            admin:
              listen: 127.0.0.1:1002
            jwt:
              issuer: from-file
            tls: {cert: /f/c.pem, key: /f/k.pem, ca: /f/ca.pem}
            cors:
              origins: [https://a.example, https://b.example]
            rate_limits: {enabled: false, max_keys: 7}
            """
        try Self.withFile(yaml) { file in
            let fromFile = try Self.load(file: file, overrides: [:])
            #expect(fromFile.listen.port == 1001 && fromFile.adminListen.port == 1002)
            #expect(fromFile.issuer == "from-file" && fromFile.tls.certificate == "/f/c.pem")
            #expect(fromFile.corsOrigins == ["https://a.example", "https://b.example"])
            #expect(!fromFile.rateLimitsEnabled && fromFile.rateLimitMaxKeys == 7)
            let environment = ["PAYMENT_GATEWAY_LISTEN": "127.0.0.1:2001", "PAYMENT_GATEWAY_JWT_ISSUER": "from-env"]
            let fromEnvironment = try Self.load(file: file, environment: environment, overrides: [:])
            #expect(fromEnvironment.listen.port == 2001 && fromEnvironment.issuer == "from-env")
            #expect(fromEnvironment.adminListen.port == 1002)
            let fromFlag = try Self.load(
                file: file, environment: environment, overrides: ["listen": "127.0.0.1:3001"])
            #expect(fromFlag.listen.port == 3001 && fromFlag.issuer == "from-env")
        }
    }

    @Test(
        "a bad value stops start-up with an error naming its key",
        arguments: [
            ("listen", "nope"), ("admin.listen", "127.0.0.1:99999"), ("sidecar.address", "localhost"),
            ("grpc.timeout_ms", "0"), ("grpc.timeout_ms", "ten"), ("rate_limits.max_keys", "0"),
            ("rate_limits.enabled", "maybe"), ("trusted_proxies", "10.0.0.0/33"), ("log.level", "loud"),
            ("tls.cert", ""),
        ])
    func badValue(key: String, value: String) {
        var overrides = Self.tls
        overrides[key] = value
        let error = #expect(throws: ConfigError.self) { try Self.load(overrides: overrides) }
        #expect(error?.key == key)
        #expect(error?.description.hasPrefix("configuration error: \(key): ") == true)
    }

    @Test("a missing TLS file setting is required, naming the key")
    func required() {
        let error = #expect(throws: ConfigError.self) { try Self.load(overrides: ["tls.cert": "/c", "tls.key": "/k"]) }
        #expect(error?.key == "tls.ca")
        #expect(error?.problem == "is required")
    }

    @Test("an unknown key in the file, an unknown PAYMENT_GATEWAY_ variable, an unknown override: refused by name")
    func unknownKeys() throws {
        try Self.withFile("listn: 127.0.0.1:1\n") { file in
            let error = #expect(throws: ConfigError.self) { try Self.load(file: file) }
            #expect(error?.key == "listn")
        }
        let variable = #expect(throws: ConfigError.self) {
            try Self.load(environment: ["PAYMENT_GATEWAY_JWT_ISUER": "x"])
        }
        #expect(variable?.key == "PAYMENT_GATEWAY_JWT_ISUER")
        let override = #expect(throws: ConfigError.self) { try Self.load(overrides: ["jwt.secret": "/s"]) }
        #expect(override?.key == "jwt.secret")
        // Other programs' variables are not the gateway's business.
        _ = try Self.load(environment: ["PAYMENT_RPC_LISTEN": "x", "PAYMENT_GATEWAYS": "y"])
    }

    @Test("repeatable flags arrive comma-joined and become lists")
    func lists() throws {
        var overrides = Self.tls
        overrides["trusted_proxies"] = "10.0.0.0/8,127.0.0.1"
        overrides["cors.origins"] = "https://a.example"
        let config = try Self.load(overrides: overrides)
        #expect(config.clientAddress.trustedProxies.map(\.description) == ["10.0.0.0/8", "127.0.0.1/32"])
        #expect(config.corsOrigins == ["https://a.example"])
    }

    @Test("key files are named in messages as they were given: flag, environment variable or key")
    func namedFiles() throws {
        var overrides = Self.tls
        overrides["jwt.secret_file"] = "/run/jwt"
        #expect(try Self.load(overrides: overrides).jwtSecretFile.source == "--jwt-secret-file /run/jwt")
        let environment = ["PAYMENT_GATEWAY_JWT_JWKS_FILE": "/etc/jwks.json"]
        #expect(
            try Self.load(environment: environment).jwksFile.source == "PAYMENT_GATEWAY_JWT_JWKS_FILE /etc/jwks.json")
        let fromFile = try Self.withFile("jwt:\n  secret_file: /f/jwt\n") { try Self.load(file: $0) }
        #expect(fromFile.jwtSecretFile.source == "jwt.secret_file /f/jwt")
    }

    @Test("every key has its flag (for messages), and every flag names a key")
    func flagsCoverKeys() {
        #expect(Set(GatewayConfig.schema.keys.map(\.name)) == Set(GatewayConfig.flags.keys))
    }
}

@Suite("HS256 secret file")
struct HMACSecretFileTests {
    static func file(mode: Int16, contents: String = "  secret-of-at-least-thirty-two-bytes!!\n") throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("jwt-\(UUID())").path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    @Test("an owner-only file is read, trimmed")
    func ownerOnly() throws {
        let path = try Self.file(mode: 0o600)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try HMACSecretFile.read(path, givenAs: "--jwt-secret-file") == "secret-of-at-least-thirty-two-bytes!!")
    }

    @Test("a file group or others may read is refused, naming where it was given and the path, not the secret")
    func tooOpen() throws {
        let path = try Self.file(mode: 0o640)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: GatewayStartupError.self) {
            try HMACSecretFile.read(path, givenAs: "PAYMENT_GATEWAY_JWT_SECRET_FILE")
        }
        #expect(error?.message.hasPrefix("PAYMENT_GATEWAY_JWT_SECRET_FILE: \(path) has mode 640") == true)
        #expect(error?.message.contains("secret-of") == false)
    }

    @Test("a missing file is refused, naming it")
    func missing() {
        let error = #expect(throws: GatewayStartupError.self) {
            try HMACSecretFile.read("/nonexistent/jwt", givenAs: "jwt.secret_file")
        }
        #expect(error?.message.hasPrefix("jwt.secret_file: cannot read /nonexistent/jwt") == true)
    }
}
