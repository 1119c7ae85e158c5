import Foundation
import PaymentCore
import Testing

@testable import PaymentRPC

@Suite("Configuration: cross-check nodes, clock tolerance, the development clock")
struct ProcessingSafetyConfigTests {
    func load(_ environment: [String: String]) throws(ConfigError) -> PaymentRPCConfig {
        try PaymentRPCConfig.load(file: nil, environment: environment)
    }

    @Test("defaults: no cross-check nodes, 10 s tolerance, the system clock")
    func defaults() throws {
        let config = try load([:])
        #expect(config.crossCheckURLs.isEmpty)
        #expect(config.clockToleranceMilliseconds == 10_000)
        #expect(config.wallClock is SystemWallClock)
    }

    @Test("cross-check URLs are read as a list and each is validated by index")
    func crossCheckURLs() throws {
        let config = try load(["PAYMENT_RPC_TRON_CROSS_CHECK_URLS": "http://127.0.0.1:8091, https://node.example:8090"])
        #expect(config.crossCheckURLs == ["http://127.0.0.1:8091", "https://node.example:8090"])
        #expect(throws: ConfigError(key: "tron.cross_check_urls[1]", "must be an http(s) URL, got \"ftp://x\"")) {
            try load(["PAYMENT_RPC_TRON_CROSS_CHECK_URLS": "http://127.0.0.1:8091,ftp://x"])
        }
    }

    @Test(
        "production reaches its nodes over https only; staging may use http",
        arguments: [
            ("PAYMENT_RPC_TRON_NODE_URL", "http://node.example:8090", "tron.node_url"),
            ("PAYMENT_RPC_TRON_SOLIDITY_URL", "HTTP://node.example:8091", "tron.solidity_url"),
            ("PAYMENT_RPC_TRON_CROSS_CHECK_URLS", "https://a.example, http://b.example", "tron.cross_check_urls[1]"),
        ])
    func productionNodesUseHTTPS(variable: String, value: String, key: String) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("https-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let production = [
            "PAYMENT_RPC_ENVIRONMENT": "production", "PAYMENT_RPC_TRON_NETWORK": "mainnet",
            "PAYMENT_RPC_GRPC_UNIX_SOCKET": "\(directory)/rpc.sock",
        ]
        let secure = try load(
            production.merging([
                "PAYMENT_RPC_TRON_NODE_URL": "https://node.example",
                "PAYMENT_RPC_TRON_SOLIDITY_URL": "https://solid.example",
                "PAYMENT_RPC_TRON_CROSS_CHECK_URLS": "https://a.example,HTTPS://b.example",
            ]) { $1 })
        #expect(secure.nodeURL == "https://node.example")
        #expect(try load(production).nodeURL == nil, "the mainnet preset (https) is fine")
        do {
            _ = try load(production.merging([variable: value]) { $1 })
            Issue.record("production accepted \(value) for \(key)")
        } catch {
            #expect(error.key == key)
            #expect(error.problem.hasPrefix("must be an https URL when environment is production"), "\(error.problem)")
        }
        let staging = [
            "PAYMENT_RPC_ENVIRONMENT": "staging", "PAYMENT_RPC_GRPC_UNIX_SOCKET": "\(directory)/rpc.sock",
            variable: value,
        ]
        _ = try load(staging)
    }

    @Test("clock tolerance from 0 to 600000 ms", arguments: ["-1", "600001", "ten"])
    func tolerance(bad: String) throws {
        #expect(try load(["PAYMENT_RPC_TRON_CLOCK_TOLERANCE_MS": "0"]).clockToleranceMilliseconds == 0)
        #expect(throws: ConfigError.self) { try load(["PAYMENT_RPC_TRON_CLOCK_TOLERANCE_MS": bad]) }
        do {
            _ = try load(["PAYMENT_RPC_TRON_CLOCK_TOLERANCE_MS": bad])
        } catch {
            #expect(error.key == "tron.clock_tolerance_ms")
        }
    }

    @Test("the development clock starts at clock_start and runs clock_rate times faster")
    func developmentClock() throws {
        let config = try load([
            "PAYMENT_RPC_DEVELOPMENT_CLOCK_START": "2030-01-01T23:00:00Z", "PAYMENT_RPC_DEVELOPMENT_CLOCK_RATE": "3600",
        ])
        let clock = config.wallClock
        let start = ISO8601DateFormatter().date(from: "2030-01-01T23:00:00Z")!
        let first = clock.now()
        #expect(first >= start && first < start.addingTimeInterval(3_600))
        Thread.sleep(forTimeInterval: 0.05)
        #expect(clock.now().timeIntervalSince(first) >= 0.05 * 3_600 * 0.9)
    }

    @Test(
        "development keys are refused outside development, naming the key",
        arguments: ["PAYMENT_RPC_DEVELOPMENT_CLOCK_START", "PAYMENT_RPC_DEVELOPMENT_CLOCK_RATE"])
    func refusedInProduction(variable: String) throws {
        let value = variable.hasSuffix("START") ? "2030-01-01T00:00:00Z" : "2"
        do {
            _ = try load([
                "PAYMENT_RPC_ENVIRONMENT": "production", "PAYMENT_RPC_TRON_NETWORK": "mainnet", variable: value,
            ])
            Issue.record("accepted \(variable) in production")
        } catch {
            #expect(error.key == (variable.hasSuffix("START") ? "development.clock_start" : "development.clock_rate"))
            #expect(error.problem.contains("only allowed when environment is development"))
        }
    }

    @Test("clock_start must be RFC 3339; clock_rate at least 1")
    func badValues() throws {
        #expect(throws: ConfigError.self) { try load(["PAYMENT_RPC_DEVELOPMENT_CLOCK_START": "tomorrow"]) }
        #expect(throws: ConfigError.self) { try load(["PAYMENT_RPC_DEVELOPMENT_CLOCK_RATE": "0"]) }
    }
}
