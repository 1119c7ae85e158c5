import Foundation
import PaymentCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@testable import PaymentRPC

@Suite("Configuration: staging and production reach payment-rpc only through the sidecar")
struct TransportConfigTests {
    static let directory: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sock-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    func load(_ environment: [String: String]) throws(ConfigError) -> PaymentRPCConfig {
        try PaymentRPCConfig.load(file: nil, environment: environment)
    }

    @Test("staging runs on the devnet with the Unix socket, the own uid allowed and no admin callers by default")
    func stagingDefaults() throws {
        let config = try load([
            "PAYMENT_RPC_ENVIRONMENT": "staging", "PAYMENT_RPC_GRPC_UNIX_SOCKET": "\(Self.directory)/rpc.sock",
        ])
        #expect(config.environment == .staging && config.environment.requiresSidecar)
        #expect(config.network == .devnet)
        #expect(config.allowedPeerUIDs == [UInt32(getuid())])
        #expect(config.adminAllowedCallers.isEmpty)
        #expect(AdminAuthorization(config: config) == AdminAuthorization(allowedCallers: [], allowsAnonymous: false))
        let development = try load([:])
        #expect(!development.environment.requiresSidecar)
        #expect(AdminAuthorization(config: development).allowsAnonymous)
    }

    @Test("lists: peer uids and admin callers")
    func lists() throws {
        let config = try load([
            "PAYMENT_RPC_GRPC_ALLOWED_PEER_UIDS": "1000, 1001",
            "PAYMENT_RPC_ADMIN_ALLOWED_CALLERS": "ops/api-gateway,ops/payctl",
        ])
        #expect(config.allowedPeerUIDs == [1000, 1001])
        #expect(config.adminAllowedCallers == ["ops/api-gateway", "ops/payctl"])
    }

    @Test("config/development.yaml lets the identities the shipped ACL sends to AdminService administer")
    func developmentFile() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../config/development.yaml"
        ).path
        let config = try PaymentRPCConfig.load(file: file, environment: [:])
        #expect(config.adminAllowedCallers == ["ops/api-gateway", "ops/payment-admin"])
        #expect(config.environment == .development)
    }

    @Test(
        "refusals name the key and say why",
        arguments: [
            (
                [
                    "PAYMENT_RPC_ENVIRONMENT": "staging", "PAYMENT_RPC_GRPC_UNIX_SOCKET": "\(directory)/a.sock",
                    "PAYMENT_RPC_GRPC_LISTEN": "127.0.0.1:50051",
                ], "grpc.listen", "must not be set when environment is staging"
            ),
            (
                [
                    "PAYMENT_RPC_ENVIRONMENT": "production", "PAYMENT_RPC_TRON_NETWORK": "mainnet",
                    "PAYMENT_RPC_GRPC_UNIX_SOCKET": "\(directory)/a.sock", "PAYMENT_RPC_GRPC_LISTEN": "0.0.0.0:1",
                ], "grpc.listen", "only on grpc.unix_socket"
            ),
            (["PAYMENT_RPC_ENVIRONMENT": "staging"], "grpc.unix_socket", "is required when environment is staging"),
            (
                ["PAYMENT_RPC_ENVIRONMENT": "staging", "PAYMENT_RPC_GRPC_UNIX_SOCKET": "\(directory)/missing/a.sock"],
                "grpc.unix_socket", "must exist"
            ),
            (
                ["PAYMENT_RPC_ENVIRONMENT": "production", "PAYMENT_RPC_GRPC_UNIX_SOCKET": "\(directory)/a.sock"],
                "tron.network", "must be mainnet"
            ),
            (["PAYMENT_RPC_GRPC_ALLOWED_PEER_UIDS": "root"], "grpc.allowed_peer_uids[0]", "numeric uid"),
            (["PAYMENT_RPC_ADMIN_ALLOWED_CALLERS": "ops"], "admin.allowed_callers[0]", "plane/service"),
            (["PAYMENT_RPC_ADMIN_ALLOWED_CALLERS": "ops/a/b"], "admin.allowed_callers[0]", "plane/service"),
        ])
    func refusals(environment: [String: String], key: String, problem: String) {
        do {
            _ = try load(environment)
            Issue.record("accepted \(environment)")
        } catch {
            #expect(error.key == key)
            #expect(error.problem.contains(problem), "\(error.problem)")
        }
    }

    @Test("a file that sets grpc.listen in staging is refused too")
    func fileListen() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString).yaml").path
        try "environment: staging\ngrpc:\n  listen: 127.0.0.1:6000\n  unix_socket: \(Self.directory)/f.sock\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ConfigError.self) { try PaymentRPCConfig.load(file: path, environment: [:]) }
    }

    @Test("a stale socket is replaced; any other file at the socket path is refused")
    func socketPath() throws {
        let path = "\(Self.directory)/plain"
        try "x".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ConfigError.self) { try PaymentServer.prepareSocketPath(path) }
        #expect(FileManager.default.fileExists(atPath: path), "never removes a file that is not a socket")
        #expect(throws: ConfigError.self) { try PaymentServer.prepareSocketPath("\(Self.directory)/nope/x.sock") }
        try PaymentServer.prepareSocketPath("\(Self.directory)/absent.sock")
    }
}
