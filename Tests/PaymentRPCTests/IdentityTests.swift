import Foundation
import GRPCCore
import PaymentAPI
import PaymentCore
import Testing

@testable import PaymentRPC

@Suite("Caller identity: headers refused, not dropped; identity required outside development; AdminService authorizes")
struct IdentityTests {
    static var staging: PaymentRPCConfig {
        var config = InProcessServer.config
        config.environment = .staging
        config.adminAllowedCallers = ["ops/admin-tool"]
        return config
    }

    static func metadata(_ pairs: [(String, String)]) -> Metadata {
        var metadata: Metadata = [:]
        for (key, value) in pairs { metadata.addString(value, forKey: key) }
        return metadata
    }

    static let plane = ("x-lucid-source-plane", "ops")
    static let service = ("x-lucid-source-service", "api-gateway")

    @Test(
        "an invalid x-lucid-* header is INVALID_ARGUMENT naming it, and nothing is created",
        arguments: [
            ([plane, service, ("x-lucid-user-id", "has space")], "x-lucid-user-id"),
            ([plane, service, ("x-lucid-user-id", "a/b")], "x-lucid-user-id"),
            ([plane, service, ("x-lucid-user-id", String(repeating: "u", count: 129))], "x-lucid-user-id"),
            ([plane, service, ("x-lucid-user-id", "")], "x-lucid-user-id"),
            ([plane, service, ("x-lucid-user-id", "one"), ("x-lucid-user-id", "two")], "x-lucid-user-id"),
            ([plane, service, ("x-lucid-user-id", "é")], "x-lucid-user-id"),
            ([plane, ("x-lucid-source-service", "")], "x-lucid-source-service"),
            ([plane], "x-lucid-source-service"),
            ([service], "x-lucid-source-plane"),
            ([("x-lucid-user-id", "42")], "x-lucid-user-id"),
            ([plane, service, ("x-lucid-user-role", "end user")], "x-lucid-user-role"),
        ])
    func badHeaders(pairs: [(String, String)], header: String) async throws {
        for config in [InProcessServer.config, Self.staging] {
            try await InProcessServer.with(config: config) { server in
                let error = await rpcError {
                    try await server.payments.createPayout(
                        InProcessServer.createRequest(key: "h-1"), metadata: Self.metadata(pairs))
                }
                #expect(error?.code == .invalidArgument, "\(config.environment)")
                #expect(error?.message.hasPrefix("\(header): ") == true, "\(error?.message ?? "")")
                let batch = await rpcError {
                    try await server.payments.createBatch(
                        .with { $0.idempotencyKey = "b" }, metadata: Self.metadata(pairs))
                }
                #expect(batch?.code == .invalidArgument)
                let all = try await server.payments.listPayouts(.init(), metadata: InProcessServer.caller())
                #expect(all.payouts.isEmpty)
            }
        }
    }

    @Test("the user id is kept, so a user's idempotency scope is its own")
    func validUser() async throws {
        try await InProcessServer.with { server in
            let a = try await server.payments.createPayout(
                InProcessServer.createRequest(key: "same"), metadata: InProcessServer.caller(user: "u-1"))
            let b = try await server.payments.createPayout(
                InProcessServer.createRequest(key: "same", amount: 6_000_000),
                metadata: InProcessServer.caller(user: "u-2"))
            #expect(a.payout.requestedBy == "ops/api-gateway/user:u-1")
            #expect(b.payout.requestedBy == "ops/api-gateway/user:u-2" && !b.replayed)
        }
    }

    @Test("staging: every call without identity is UNAUTHENTICATED except grpc.health.v1")
    func unauthenticated() async throws {
        try await InProcessServer.with(config: Self.staging) { server in
            let calls: [(String, () async throws -> Void)] = [
                (
                    "CreatePayout",
                    { _ = try await server.payments.createPayout(InProcessServer.createRequest(key: "a")) }
                ),
                ("CreateBatch", { _ = try await server.payments.createBatch(.with { $0.idempotencyKey = "b" }) }),
                ("ListPayouts", { _ = try await server.payments.listPayouts(.init()) }),
                ("GetStats", { _ = try await server.payments.getStats(.init()) }),
                ("GetBreaker", { _ = try await server.admin.getBreaker(.init()) }),
                ("TripBreaker", { _ = try await server.admin.tripBreaker(.with { $0.reason = "x" }) }),
            ]
            for (name, call) in calls {
                let error = await rpcError { try await call() }
                #expect(error?.code == .unauthenticated, "\(name)")
                #expect(error?.message.contains("x-lucid-source-plane") == true)
            }
            let health = try await server.health.check(.init())
            #expect(health.status == .serving)
            let listed = try await server.payments.listPayouts(.init(), metadata: InProcessServer.caller())
            #expect(listed.payouts.isEmpty)
            let breaker = try await server.admin.getBreaker(.init(), metadata: InProcessServer.caller("admin-tool"))
            #expect(breaker.state == .closed)
        }
    }

    @Test("AdminService: a non-listed identity is PERMISSION_DENIED naming it, in every environment")
    func adminAuthorization() async throws {
        var development = InProcessServer.config
        development.adminAllowedCallers = ["ops/admin-tool"]
        for config in [development, Self.staging] {
            try await InProcessServer.with(config: config) { server in
                let calls: [(String, () async throws -> Void)] = [
                    (
                        "TripBreaker",
                        {
                            _ = try await server.admin.tripBreaker(
                                .with { $0.reason = "x" }, metadata: InProcessServer.caller())
                        }
                    ),
                    (
                        "ResetBreaker",
                        { _ = try await server.admin.resetBreaker(.init(), metadata: InProcessServer.caller()) }
                    ),
                    (
                        "GetBreaker",
                        {
                            _ = try await server.admin.getBreaker(
                                .init(), metadata: InProcessServer.caller(user: "root"))
                        }
                    ),
                ]
                for (name, call) in calls {
                    let error = await rpcError { try await call() }
                    #expect(error?.code == .permissionDenied, "\(name)")
                    #expect(
                        error?.message.contains("ops/api-gateway may not call AdminService.\(name)") == true,
                        "\(error?.message ?? "")")
                }
                let breaker = try await server.admin.getBreaker(.init(), metadata: InProcessServer.caller("admin-tool"))
                #expect(breaker.state == .closed)
                let tripped = try await server.admin.tripBreaker(
                    .with { $0.reason = "ops" }, metadata: InProcessServer.caller("admin-tool"))
                #expect(tripped.state == .open)
            }
        }
    }

    @Test("development: an anonymous admin call is still allowed; with no admin.allowed_callers nobody named is")
    func developmentAnonymous() async throws {
        try await InProcessServer.with { server in
            let breaker = try await server.admin.getBreaker(.init())
            #expect(breaker.state == .closed)
            let error = await rpcError {
                try await server.admin.getBreaker(.init(), metadata: InProcessServer.caller())
            }
            #expect(error?.code == .permissionDenied)
        }
    }
}
