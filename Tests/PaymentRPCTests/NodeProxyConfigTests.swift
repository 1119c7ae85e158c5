import Foundation
import Testing
import TronNode

@testable import PaymentRPC

@Suite("Configuration: tron.proxy")
struct NodeProxyConfigTests {
    @Test("unset: direct connections; an empty PAYMENT_RPC_TRON_PROXY is refused, never read as 'no proxy'")
    func unset() throws {
        #expect(try PaymentRPCConfig.load(file: nil, environment: [:]).nodeProxy == nil)
        #expect(
            throws: ConfigError(
                key: "PAYMENT_RPC_TRON_PROXY",
                "is set but empty; unset it to use the default, or give tron.proxy a value")
        ) {
            try PaymentRPCConfig.load(file: nil, environment: ["PAYMENT_RPC_TRON_PROXY": ""])
        }
    }

    @Test("socks5 and http proxies are read from the file and from PAYMENT_RPC_TRON_PROXY")
    func accepted() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString).yaml").path
        try "tron:\n  proxy: socks5://127.0.0.1:9050\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(
            try PaymentRPCConfig.load(file: path, environment: [:]).nodeProxy
                == NodeProxy(kind: .socks5, host: "127.0.0.1", port: 9050))
        let overridden = try PaymentRPCConfig.load(
            file: path, environment: ["PAYMENT_RPC_TRON_PROXY": "http://egress.internal:3128"])
        #expect(overridden.nodeProxy == NodeProxy(kind: .http, host: "egress.internal", port: 3128))
    }

    @Test(
        "anything else stops start-up naming tron.proxy",
        arguments: [
            ("127.0.0.1:9050", "socks5://host:port or http://host:port"),
            ("https://127.0.0.1:8443", "scheme must be socks5 or http"),
            ("socks4://127.0.0.1:9050", "scheme must be socks5 or http"),
            ("socks5://127.0.0.1", "port from 1 to 65535"),
            ("socks5://127.0.0.1:0", "port from 1 to 65535"),
            ("socks5://127.0.0.1:70000", "port from 1 to 65535"),
            ("socks5://:9050", "port from 1 to 65535"),
            ("http://proxy:3128/tron", "no path"),
        ])
    func refused(text: String, problem: String) {
        do {
            _ = try PaymentRPCConfig.load(file: nil, environment: ["PAYMENT_RPC_TRON_PROXY": text])
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.key == "tron.proxy")
            #expect(error.problem.contains(problem), "\(error.problem)")
            #expect(error.description.hasPrefix("configuration error: tron.proxy: "))
        }
    }

    @Test("credentials in the URL are refused without repeating them")
    func credentials() {
        do {
            _ = try PaymentRPCConfig.load(
                file: nil, environment: ["PAYMENT_RPC_TRON_PROXY": "socks5://tor:hunter2@127.0.0.1:9050"])
            Issue.record("accepted credentials")
        } catch {
            #expect(error.key == "tron.proxy")
            #expect(error.problem.contains("must not carry credentials"))
            #expect(!error.description.contains("hunter2"))
        }
    }

    @Test("the key is declared with a summary")
    func declared() {
        let key = PaymentRPCConfig.schema.keys.first { $0.name == "tron.proxy" }
        #expect(key?.summary.contains("socks5://") == true)
        #expect(PaymentRPCConfig.schema.environmentVariable(for: "tron.proxy") == "PAYMENT_RPC_TRON_PROXY")
    }
}
