import Foundation
import ServerSupport
import Testing

@testable import BetaSidecar

@Suite("SidecarConfig: defaults, precedence, and errors that name the key")
struct SidecarConfigTests {
    let fixture: ConfigFixture

    init() throws { fixture = try ConfigFixture() }

    @Test func defaultsWhenOnlyTheTLSFilesAreGiven() throws {
        let config = try fixture.load()
        let settings = config.settings
        #expect(settings.listenHost == "127.0.0.1" && settings.listenPort == 50_443)
        #expect(config.adminListen.host == "127.0.0.1" && config.adminListen.port == 9_443)
        #expect(settings.adminGRPCHost == "127.0.0.1" && settings.adminGRPCPort == 9_444)
        guard case .tcp(let host, let port) = settings.upstream else {
            Issue.record("upstream \(settings.upstream) is not TCP")
            return
        }
        #expect(host == "127.0.0.1" && port == 50_051)
        #expect(settings.targetPlane == "wallet" && settings.targetService == "tron-payment")
        #expect(settings.policyPath == "acl/wallet_plane.acl")
        #expect(settings.trustDomain == "lucid")
        #expect(settings.tls.certificate == fixture.path("cert.pem"))
        #expect(settings.tls.key == fixture.path("key.pem"))
        #expect(settings.tls.caBundle == fixture.path("ca.pem"))
        #expect(settings.probe.interval == .milliseconds(1_000) && settings.probe.timeout == .milliseconds(1_000))
        #expect(settings.probe.healthyThreshold == 1 && settings.probe.unhealthyThreshold == 2)
        #expect(config.registryKind == .embedded)
        #expect(config.etcdURL == "http://127.0.0.1:2379")
        #expect(config.leaseTTLSeconds == 5)
        #expect(config.logLevel == .info)
        #expect(config.warnings.isEmpty)
    }

    @Test func theFileIsOverriddenByTheEnvironmentWhichIsOverriddenByFlags() throws {
        let file = try fixture.file(
            """
            listen: 127.0.0.1:1001
            trust_domain: from-file
            probe:
              interval_ms: 100
              timeout_ms: 200
            """)
        let config = try fixture.load(
            file: file,
            environment: [
                "BETA_SIDECAR_TRUST_DOMAIN": "from-env", "BETA_SIDECAR_PROBE_INTERVAL_MS": "300",
                "BETA_SIDECAR_PROBE_TIMEOUT_MS": "400",
            ],
            flags: ["probe.timeout_ms": "500"])
        #expect(config.settings.listenPort == 1_001)
        #expect(config.settings.trustDomain == "from-env")
        #expect(config.settings.probe.interval == .milliseconds(300))
        #expect(config.settings.probe.timeout == .milliseconds(500))
    }

    @Test func theTLSFilesComeFromANestedMappingInTheFile() throws {
        let file = try fixture.file(
            """
            tls:
              cert: \(fixture.path("cert.pem"))
              key: \(fixture.path("key.pem"))
              ca: \(fixture.path("ca.pem"))
            """)
        let config = try fixture.load(file: file, withTLS: false)
        #expect(config.settings.tls.caBundle == fixture.path("ca.pem"))
    }

    @Test func anUpstreamIsHostPortOrAUnixSocket() throws {
        let unix = try fixture.load(flags: ["upstream": "unix:.state/payment-rpc.sock"])
        guard case .unix(let path) = unix.settings.upstream else {
            Issue.record("upstream \(unix.settings.upstream) is not a Unix socket")
            return
        }
        #expect(path == ".state/payment-rpc.sock")
        let tcp = try fixture.load(flags: ["upstream": "10.0.0.7:6000"])
        guard case .tcp(let host, let port) = tcp.settings.upstream else {
            Issue.record("upstream \(tcp.settings.upstream) is not TCP")
            return
        }
        #expect(host == "10.0.0.7" && port == 6_000)
    }

    @Test func anUnknownKeyInTheFileIsRefusedByName() throws {
        let file = try fixture.file("lisen: 127.0.0.1:1\n")
        #expect(fixture.error(file: file)?.hasPrefix("lisen: is not a known setting") == true)
        let nested = try fixture.file("probe:\n  interval: 5\n")
        #expect(fixture.error(file: nested)?.hasPrefix("probe.interval: is not a known setting") == true)
    }

    @Test func missingTLSFilesAreRequiredBeforeOtherValuesAreChecked() throws {
        // The end-to-end test relies on this order: a bad probe interval is reported after the missing certificate.
        let file = try fixture.file("listen: 127.0.0.1:1\nprobe:\n  interval_ms: fast\n")
        #expect(fixture.error(file: file, withTLS: false) == "tls.cert: is required")
        #expect(fixture.error(flags: ["tls.cert": ""]) == "tls.cert: is required")
    }

    @Test func anUnreadableTLSFileIsNamed() throws {
        let missing = fixture.path("absent.pem")
        #expect(fixture.error(flags: ["tls.key": missing]) == "tls.key: \(missing) cannot be read")
        #expect(fixture.error(flags: ["tls.ca": missing]) == "tls.ca: \(missing) cannot be read")
    }

    @Test(arguments: [
        ("listen", "nowhere"), ("listen", "127.0.0.1:70000"), ("listen", "127.0.0.1:"), ("admin.listen", "9443"),
        ("admin.grpc_listen", "localhost:port"), ("upstream", "127.0.0.1"), ("listen", ":50443"),
    ])
    func aBadHostPortIsRefusedByName(key: String, value: String) throws {
        #expect(fixture.error(flags: [key: value])?.hasPrefix("\(key): must be host:port") == true)
    }

    @Test(arguments: [
        ("probe.interval_ms", "49"), ("probe.interval_ms", "60001"), ("probe.interval_ms", "fast"),
        ("probe.timeout_ms", "0"), ("probe.healthy_threshold", "0"), ("probe.unhealthy_threshold", "101"),
        ("registry.lease_ttl_seconds", "1"), ("registry.lease_ttl_seconds", "601"),
    ])
    func anIntegerOutOfRangeIsRefusedByName(key: String, value: String) throws {
        #expect(fixture.error(flags: [key: value])?.hasPrefix("\(key): must be a whole number from") == true)
    }

    @Test(arguments: [
        ("probe.interval_ms", "50"), ("probe.interval_ms", "60000"), ("probe.healthy_threshold", "100"),
        ("registry.lease_ttl_seconds", "2"), ("registry.lease_ttl_seconds", "600"),
    ])
    func theEndsOfARangeAreAccepted(key: String, value: String) throws {
        #expect(throws: Never.self) { try fixture.load(flags: [key: value]) }
    }

    @Test(arguments: [
        ("target", "wallet"), ("target", "a/b/c"), ("trust_domain", "two words"), ("registry.kind", "consul"),
        ("log.level", "loud"),
    ])
    func aValueOutsideItsChoicesIsRefusedByName(key: String, value: String) throws {
        #expect(fixture.error(flags: [key: value])?.hasPrefix("\(key): ") == true)
    }

    @Test func theEnvironmentVariableOfAKeyIsThePrefixAndTheKeyUpperCased() throws {
        let config = try fixture.load(environment: [
            "BETA_SIDECAR_ADMIN_LISTEN": "127.0.0.1:7001", "BETA_SIDECAR_ADMIN_GRPC_LISTEN": "127.0.0.1:7002",
            "BETA_SIDECAR_REGISTRY_LEASE_TTL_SECONDS": "9", "BETA_SIDECAR_LOG_LEVEL": "debug",
        ])
        #expect(config.adminListen.port == 7_001 && config.settings.adminGRPCPort == 7_002)
        #expect(config.leaseTTLSeconds == 9 && config.logLevel == .debug)
    }

    @Test func theShippedWalletConfigurationLoads() throws {
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/sidecar-wallet.yaml").path
        let config = try fixture.load(file: shipped)
        #expect(config.settings.listenPort == 50_443 && config.adminListen.port == 9_443)
        #expect(config.settings.adminGRPCPort == 9_444)
        #expect(config.warnings.isEmpty, "the shipped file uses renamed keys: \(config.warnings)")
        guard case .unix(let path) = config.settings.upstream else {
            Issue.record("upstream \(config.settings.upstream) is not a Unix socket")
            return
        }
        #expect(path == ".state/payment-rpc.sock")
    }

    @Test func everyKeyIsDocumentedAndHasItsOwnVariable() {
        let keys = SidecarConfig.schema.keys
        #expect(keys.allSatisfy { !$0.summary.isEmpty })
        let variables = Set(keys.map { SidecarConfig.schema.environmentVariable(for: $0.name) })
        #expect(variables.count == keys.count)
        #expect(SidecarConfig.schema.environmentVariable(for: "admin.grpc_listen") == "BETA_SIDECAR_ADMIN_GRPC_LISTEN")
    }

    @Test func anUnknownPrefixedVariableIsRefusedByName() {
        let error = fixture.error(environment: ["BETA_SIDECAR_LISEN": "127.0.0.1:1", "PAYMENT_RPC_LISEN": "x"])
        #expect(error?.hasPrefix("BETA_SIDECAR_LISEN: is not a known setting") == true)
    }

    @Test func anUnknownFlagKeyIsRefusedByName() {
        #expect(
            fixture.error(flags: ["probe.intervall_ms": "100"])?.hasPrefix("probe.intervall_ms: is not a known") == true
        )
    }

    @Test func renamedKeysStillWorkWithAWarning() throws {
        let file = try fixture.file("admin_listen: 127.0.0.1:8001\nadmin_grpc_listen: 127.0.0.1:8002\n")
        let config = try fixture.load(file: file)
        #expect(config.adminListen == HostPort(host: "127.0.0.1", port: 8_001))
        #expect(config.settings.adminGRPCPort == 8_002)
        #expect(config.warnings.count == 2)
        #expect(config.warnings.contains { $0.contains("admin_listen") && $0.contains("admin.listen") })
        #expect(config.warnings.contains { $0.contains("admin_grpc_listen") && $0.contains("admin.grpc_listen") })
        let flagged = try fixture.load(flags: ["admin_listen": "127.0.0.1:8003"])
        #expect(flagged.adminListen.port == 8_003 && flagged.warnings.count == 1)
    }

    @Test func theNewDottedKeysNestInTheFile() throws {
        let file = try fixture.file("admin:\n  listen: 127.0.0.1:8101\n  grpc_listen: 127.0.0.1:8102\n")
        let config = try fixture.load(file: file)
        #expect(config.adminListen.port == 8_101 && config.settings.adminGRPCPort == 8_102)
        #expect(config.warnings.isEmpty)
    }

    @Test func anUnreadableOrMalformedFileIsNamed() throws {
        let missing = fixture.path("absent.yaml")
        #expect(fixture.error(file: missing)?.hasPrefix("\(missing): cannot read the configuration file") == true)
        let broken = try fixture.file("listen: [unclosed\n")
        #expect(fixture.error(file: broken)?.hasPrefix("\(broken): is not valid YAML") == true)
        let scalar = try fixture.file("just text\n")
        #expect(fixture.error(file: scalar) == "\(scalar): must be a YAML mapping of settings")
    }

    @Test func aListWhereOneValueBelongsIsRefused() throws {
        let file = try fixture.file("listen: [127.0.0.1:1, 127.0.0.1:2]\n")
        #expect(fixture.error(file: file) == "listen: must be a single value, not a list")
        // Only list keys are split on commas: a comma in a path is part of the path, as before ServerSupport.
        #expect(fixture.error(environment: ["BETA_SIDECAR_POLICY": "a.acl,b.acl"]) == nil)
    }

    @Test func anEmptyValueOfAKeyWithADefaultIsStillRequired() {
        #expect(fixture.error(flags: ["policy": ""]) == "policy: is required")
        #expect(
            fixture.error(environment: ["BETA_SIDECAR_LISTEN": ""])
                == "BETA_SIDECAR_LISTEN: is set but empty; unset it to use the default, or give listen a value")
    }
}
