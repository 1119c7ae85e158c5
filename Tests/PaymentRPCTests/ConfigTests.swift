import Foundation
import PaymentCore
import Testing

@testable import PaymentRPC

@Suite("Configuration: file, environment, validation naming the key")
struct ConfigTests {
    func write(_ yaml: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString).yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("defaults are the seeds'")
    func defaults() throws {
        let config = try PaymentRPCConfig.load(file: nil, environment: [:])
        #expect(config.limits == LimitPolicy(dailyUnits: 10_000_000_000, hourlyUnits: 1_000_000_000))
        #expect(config.breaker.failureThresholdPercent == 50)
        #expect(config.grpcListen.description == "127.0.0.1:50051")
        #expect(config.complianceAuthority == nil)
    }

    @Test("a file sets values and the environment overrides them")
    func fileAndEnvironment() throws {
        let path = try write(
            """
            grpc:
              listen: 0.0.0.0:6000
            limits:
              daily_units: 5000000000
              hourly_units: 500000000
              v0_max_units: 1000000
              kyc_max_units: 500000000
              direct_max_units: 500000000
            routers:
              direct_allowlist: [TG3XXyExBkPp9nzdajDZsozEu4BkaSJozs]
            compliance:
              authority_public_key: \(String(repeating: "11", count: 32))
            """)
        let config = try PaymentRPCConfig.load(file: path, environment: ["PAYMENT_RPC_GRPC_LISTEN": "127.0.0.1:7000"])
        #expect(config.grpcListen.port == 7000)
        #expect(config.limits.dailyUnits == 5_000_000_000)
        #expect(config.maxPerPayout[.v0] == 1_000_000)
        #expect(config.directAllowlist.count == 1)
        #expect(config.complianceAuthority != nil)
    }

    @Test(
        "bad values stop start-up with a message naming the key",
        arguments: [
            ("limits:\n  hourly_units: 20000000000\n", "limits.daily_units", "greater than limits.hourly_units"),
            ("limits:\n  v0_max_units: 2000000000\n", "limits.v0_max_units", "at most limits.hourly_units"),
            ("limits:\n  daily_units: -1\n", "limits.daily_units", "greater than 0"),
            ("limits:\n  daily_untis: 5\n", "limits.daily_untis", "not a known setting"),
            ("environment: production\n", "tron.network", "must be mainnet"),
            ("tron:\n  network: mainnet\n", "environment", "must be production when tron.network is mainnet"),
            ("environment: testing\n", "environment", "one of development, staging, production"),
            ("grpc:\n  listen: nowhere\n", "grpc.listen", "host:port"),
            ("compliance:\n  authority_public_key: abc\n", "compliance.authority_public_key", "Ed25519"),
            ("routers:\n  direct_allowlist: [Tnope]\n", "routers.direct_allowlist[0]", "not a TRON address"),
            ("breaker:\n  failure_threshold_percent: 0\n", "breaker.failure_threshold_percent", "from 1 to 100"),
            ("log:\n  level: loud\n", "log.level", "one of trace"),
        ])
    func refusals(yaml: String, key: String, problem: String) throws {
        let path = try write(yaml)
        do {
            _ = try PaymentRPCConfig.load(file: path, environment: [:])
            Issue.record("accepted \(yaml)")
        } catch {
            #expect(error.key == key)
            #expect(error.problem.contains(problem), "\(error.problem)")
            #expect(error.description.hasPrefix("configuration error: \(key): "))
        }
    }

    @Test("environment values are validated the same way")
    func environmentRefusal() {
        #expect(throws: ConfigError.self) {
            try PaymentRPCConfig.load(file: nil, environment: ["PAYMENT_RPC_LIMITS_HOURLY_UNITS": "lots"])
        }
        #expect(
            PaymentRPCConfig.schema.environmentVariable(for: "store.sqlite_path") == "PAYMENT_RPC_STORE_SQLITE_PATH")
    }

    @Test("a mistyped PAYMENT_RPC_ variable stops start-up naming it; the wallet key variable is not a setting")
    func mistypedVariable() throws {
        do {
            _ = try PaymentRPCConfig.load(file: nil, environment: ["PAYMENT_RPC_LIMITS_DAILY_UNIT": "1000000"])
            Issue.record("a mistyped variable was ignored")
        } catch {
            #expect(error.key == "PAYMENT_RPC_LIMITS_DAILY_UNIT")
            #expect(error.problem.hasPrefix("is not a known setting of payment-rpc"))
        }
        let config = try PaymentRPCConfig.load(
            file: nil, environment: ["PAYMENT_RPC_WALLET_PRIVATE_KEY": "", "PAYMENT_RPCX": "1", "HOME": "/root"])
        #expect(config.configWarnings.isEmpty)
    }

    @Test("every declared key has a summary and its own environment variable")
    func schemaDocumentsEveryKey() {
        let schema = PaymentRPCConfig.schema
        #expect(schema.keys.count == Set(schema.keys.map(\.name)).count)
        for key in schema.keys {
            #expect(!key.summary.isEmpty, "\(key.name)")
            #expect(schema.environmentVariable(for: key.name).hasPrefix("PAYMENT_RPC_"))
        }
    }
}
