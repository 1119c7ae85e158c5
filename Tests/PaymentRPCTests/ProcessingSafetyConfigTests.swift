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
