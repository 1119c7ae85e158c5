import Foundation
import GRPCCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import PaymentGateway

@Suite("Ownership table")
struct OwnershipTableTests {
    @Test("every operation of the role table has an ownership rule")
    func total() {
        #expect(Set(AccessPolicy.permissions.keys) == Set(Ownership.rules.keys))
    }

    @Test("an operation the role table opens to a scoped role confines it (never 'unscoped roles only')")
    func scopedOperationsAreConfined() {
        for (operation, entry) in AccessPolicy.permissions where !entry.roles.isDisjoint(with: Ownership.scopedRoles) {
            #expect(Ownership.rules[operation] != .unscopedRolesOnly, "\(operation)")
        }
    }

    @Test("admin and service see everything; scoped roles get the operation's rule", arguments: Role.allCases)
    func rules(role: Role) throws {
        let rule = try Ownership.rule(for: "GetPayout", role: role)
        if Ownership.scopedRoles.contains(role) {
            #expect(rule == .ownerInAnswer(keyPath: ["requestedBy"], resource: "payout", parameter: "payout_id"))
        } else {
            #expect(rule == nil)
        }
    }

    @Test("a scoped role is refused an operation without a rule or for unscoped roles only (fail closed)")
    func failClosed() {
        #expect(throws: RESTError.self) { try Ownership.rule(for: "CancelPayout", role: .nodeOperator) }
        #expect(throws: RESTError.self) { try Ownership.rule(for: "SomeNewOperation", role: .endUser) }
        #expect((try? Ownership.rule(for: "SomeNewOperation", role: .admin)) == .some(nil))
    }

    @Test("a list query is forced to the caller; asking for another owner is a 403")
    func listQuery() throws {
        let own = "ops/api-gateway/user:op-1"
        let forced = try Ownership.ownQuery([("pageSize", "5")], parameter: "requestedBy", owner: own)
        #expect(forced.map { "\($0.0)=\($0.1)" } == ["pageSize=5", "requestedBy=\(own)"])
        let same = try Ownership.ownQuery([("requestedBy", own)], parameter: "requestedBy", owner: own)
        #expect(same.count == 1)
        let error = #expect(throws: RESTError.self) {
            try Ownership.ownQuery([("requestedBy", "ops/api-gateway/user:op-2")], parameter: "requestedBy", owner: own)
        }
        #expect(error?.status == 403)
    }

    @Test("owner at a key path")
    func owns() {
        let json = Array(#"{"batch":{"requestedBy":"me"},"requestedBy":"other"}"#.utf8)
        #expect(Ownership.owns(json, keyPath: ["batch", "requestedBy"], owner: "me"))
        #expect(!Ownership.owns(json, keyPath: ["requestedBy"], owner: "me"))
        #expect(!Ownership.owns(Array("not json".utf8), keyPath: ["requestedBy"], owner: "me"))
    }

    @Test("others' statuses move to notFoundIds, in request order")
    func statuses() async throws {
        let answer = Array(
            #"{"statuses":[{"payoutId":"a"},{"payoutId":"b"},{"payoutId":"c"}],"notFoundIds":["x"]}"#.utf8)
        let filtered = try await Ownership.ownStatuses(answer, requestedIDs: ["x", "a", "b", "c"]) { $0 == "b" }
        let object = try #require(try JSONSerialization.jsonObject(with: Data(filtered)) as? [String: Any])
        #expect((object["statuses"] as? [[String: Any]])?.compactMap { $0["payoutId"] as? String } == ["b"])
        #expect(object["notFoundIds"] as? [String] == ["x", "a", "c"])
    }
}

/// The gateway's router in-process over a fake payment-rpc: payouts "po_mine" (requested by op-1 through the
/// gateway) and "po_theirs" (by another operator), batch "bt_1" (by a service).
@Suite("Gateway router: node operators and end users see only their own payouts")
struct GatewayOwnershipRouterTests {
    static let secret = String(repeating: "0123456789abcdef", count: 3)
    static let owners = ["po_mine": "ops/api-gateway/user:op-1", "po_theirs": "ops/api-gateway/user:op-2"]

    static func operation(
        _ id: String, _ method: String, _ path: String, parameters: [String] = [],
        query: [String] = [], body: RESTOperation.Body = .none,
        answer: @escaping @Sendable ([String: Any]) throws -> [String: Any]
    ) -> RESTOperation {
        RESTOperation(
            operationID: id, grpcMethod: "/lucid.payment.v1.PaymentService/\(id)", httpMethod: method, path: path,
            pathParameters: parameters.map {
                RESTPathParameter(name: $0, jsonName: $0 == "payout_id" ? "payoutId" : "batchId", kind: .string)
            },
            queryParameters: query.map {
                RESTQueryParameter(jsonName: $0, kind: $0 == "pageSize" ? .integer : .string, repeated: false)
            },
            body: body, responseBody: nil
        ) { json, _, _ in
            let request = try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any] ?? [:]
            return [UInt8](try JSONSerialization.data(withJSONObject: try answer(request)))
        }
    }

    static func payout(_ id: String) throws -> [String: Any] {
        guard let owner = owners[id] else { throw RPCError(code: .notFound, message: "payout \(id) does not exist") }
        return ["payoutId": id, "requestedBy": owner]
    }

    static let operations: [RESTOperation] = [
        operation("GetPayout", "GET", "/api/payment/payouts/{payout_id}", parameters: ["payout_id"]) {
            try payout($0["payoutId"] as? String ?? "")
        },
        operation(
            "GetTransactionStatus", "GET", "/api/payment/payouts/{payout_id}/transaction", parameters: ["payout_id"]
        ) {
            ["payoutId": try payout($0["payoutId"] as? String ?? "")["payoutId"]!, "txid": "ab"]
        },
        operation("ListPayouts", "GET", "/api/payment/payouts", query: ["requestedBy", "pageSize"]) { request in
            let filter = request["requestedBy"] as? String
            return [
                "payouts": owners.filter { filter == nil || $0.value == filter }.keys.sorted().map { ["payoutId": $0] }
            ]
        },
        operation("GetBatch", "GET", "/api/payment/payouts/batch/{batch_id}", parameters: ["batch_id"]) { _ in
            ["batch": ["batchId": "bt_1", "requestedBy": "ops/batch-service"], "payouts": [["payoutId": "po_theirs"]]]
        },
        operation("BatchGetTransactionStatus", "POST", "/api/payment/payouts/transactions/bulk", body: .whole) {
            request in
            let ids = request["payoutIds"] as? [String] ?? []
            return [
                "statuses": ids.filter { owners[$0] != nil }.map { ["payoutId": $0] },
                "notFoundIds": ids.filter { owners[$0] == nil },
            ]
        },
    ]

    func withGateway(
        _ test: @Sendable (any TestClientProtocol, @Sendable (String, Role) async throws -> String) async throws -> Void
    ) async throws {
        let verifier = try await TokenVerifier.make(
            hmacSecret: Self.secret, jwksJSON: nil, issuer: "lucid-dev", audience: "payment-api")
        let gateway = try GatewayApp(
            operations: Self.operations, verifier: verifier, limiter: RateLimiter(enabled: false), settings: .init(),
            health: { (true, [:]) }, logger: Logger(label: "test"))
        let app = Application(router: gateway.router())
        try await app.test(.router) { client in
            try await test(client) { subject, role in
                try await TokenVerifier.developmentToken(
                    secret: Self.secret, subject: subject, role: role.rawValue, issuer: "lucid-dev",
                    audience: "payment-api")
            }
        }
    }

    static func get(
        _ client: any TestClientProtocol, _ uri: String, _ token: String, method: HTTPRequest.Method = .get,
        body: String? = nil
    )
        async throws -> (HTTPResponse.Status, [String: Any])
    {
        try await client.execute(
            uri: uri, method: method, headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
            body: body.map { ByteBuffer(string: $0) }
        ) { response in
            (
                response.status,
                (try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]) ?? [:]
            )
        }
    }

    @Test("an operation without declared rules stops the gateway at start, naming it (fail closed)")
    func undeclaredOperationRefusedAtStart() async throws {
        let verifier = try await TokenVerifier.make(
            hmacSecret: Self.secret, jwksJSON: nil, issuer: "lucid-dev", audience: "payment-api")
        let extra = Self.operation("ExportPayouts", "GET", "/api/payment/export") { _ in [:] }
        let error = #expect(throws: GatewayPolicyError.self) {
            try GatewayApp(
                operations: Self.operations + [extra], verifier: verifier, limiter: RateLimiter(enabled: false),
                settings: .init(), health: { (true, [:]) }, logger: Logger(label: "test"))
        }
        #expect(error?.description == "operation ExportPayouts has no entry in AccessPolicy.permissions")
        // A rule that checks payouts through GetPayout needs GetPayout served.
        let withoutLookup = Self.operations.filter { $0.operationID != "GetPayout" }
        let lookup = #expect(throws: GatewayPolicyError.self) {
            try GatewayApp(
                operations: withoutLookup, verifier: verifier, limiter: RateLimiter(enabled: false),
                settings: .init(), health: { (true, [:]) }, logger: Logger(label: "test"))
        }
        #expect(lookup?.operationID == "GetTransactionStatus")
    }

    @Test(
        "a node operator reads its own payout; another's is a 404, as for an end user",
        arguments: [Role.nodeOperator, .endUser])
    func getPayout(role: Role) async throws {
        try await withGateway { client, token in
            let mine = try await token("op-1", role)
            #expect(try await Self.get(client, "/api/payment/payouts/po_mine", mine).0 == .ok)
            let (status, body) = try await Self.get(client, "/api/payment/payouts/po_theirs", mine)
            #expect(status == .notFound)
            #expect(body["message"] as? String == "payout po_theirs does not exist")
            #expect(try await Self.get(client, "/api/payment/payouts/po_theirs/transaction", mine).0 == .notFound)
            #expect(try await Self.get(client, "/api/payment/payouts/po_mine/transaction", mine).0 == .ok)
        }
    }

    @Test("a node operator's list is filtered to its own; asking for another's is a 403")
    func list() async throws {
        try await withGateway { client, token in
            let operator1 = try await token("op-1", .nodeOperator)
            let (status, body) = try await Self.get(client, "/api/payment/payouts?pageSize=10", operator1)
            #expect(status == .ok)
            #expect((body["payouts"] as? [[String: Any]])?.compactMap { $0["payoutId"] as? String } == ["po_mine"])
            let other = try await Self.get(
                client, "/api/payment/payouts?requestedBy=ops/api-gateway/user:op-2", operator1)
            #expect(other.0 == .forbidden)
            let admin = try await Self.get(client, "/api/payment/payouts", try await token("root", .admin))
            #expect((admin.1["payouts"] as? [Any])?.count == 2)
        }
    }

    @Test("bulk statuses: a node operator gets its own; others' ids are reported as not found")
    func bulk() async throws {
        try await withGateway { client, token in
            let operator1 = try await token("op-1", .nodeOperator)
            let (status, body) = try await Self.get(
                client, "/api/payment/payouts/transactions/bulk", operator1, method: .post,
                body: #"{"payoutIds":["po_theirs","po_mine","po_none"]}"#)
            #expect(status == .ok)
            #expect((body["statuses"] as? [[String: Any]])?.compactMap { $0["payoutId"] as? String } == ["po_mine"])
            #expect(body["notFoundIds"] as? [String] == ["po_theirs", "po_none"])
            let service = try await Self.get(
                client, "/api/payment/payouts/transactions/bulk", try await token("svc", .service), method: .post,
                body: #"{"payoutIds":["po_theirs","po_mine"]}"#)
            #expect((service.1["statuses"] as? [Any])?.count == 2)
        }
    }

    @Test("a node operator does not see a batch it did not request; a service does")
    func batch() async throws {
        try await withGateway { client, token in
            let operator1 = try await token("op-1", .nodeOperator)
            let (status, body) = try await Self.get(client, "/api/payment/payouts/batch/bt_1", operator1)
            #expect(status == .notFound)
            #expect(body["message"] as? String == "batch bt_1 does not exist")
            #expect(
                try await Self.get(client, "/api/payment/payouts/batch/bt_1", try await token("svc", .service)).0 == .ok
            )
        }
    }
}
