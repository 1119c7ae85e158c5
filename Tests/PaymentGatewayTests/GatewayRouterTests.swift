import Foundation
import GRPCCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import PaymentGateway

/// The gateway's router in-process over fake operations: authentication, roles, rate limits, CORS, 405, error
/// mapping and the body limit. Ownership is in OwnershipTests.
@Suite("Gateway router: tokens, roles, limits, CORS, errors")
struct GatewayRouterTests {
    static let secret = GatewayOwnershipRouterTests.secret

    static func operation(
        _ id: String, _ method: String, _ path: String, _ parameters: [String], body: RESTOperation.Body,
        answer: @escaping @Sendable ([String: Any]) throws -> [String: Any]
    ) -> RESTOperation {
        GatewayOwnershipRouterTests.operation(id, method, path, parameters: parameters, body: body, answer: answer)
    }

    /// GetPayout answers po_1; CreatePayout throws `failure` when given, else echoes; GetStats for admins.
    static func operations(failure: RPCError? = nil) -> [RESTOperation] {
        [
            operation("GetPayout", "GET", "/api/payment/payouts/{payout_id}", ["payout_id"], body: .none) { _ in
                ["payoutId": "po_1", "requestedBy": "ops/api-gateway/user:root"]
            },
            operation("CreatePayout", "POST", "/api/payment/payouts", [], body: .whole) { request in
                if let failure { throw failure }
                return ["payout": ["payoutId": "po_2"]]
            },
            operation("GetStats", "GET", "/api/payment/stats", [], body: .none) { _ in ["pending": 1] },
        ]
    }

    static func withGateway(
        failure: RPCError? = nil, limits: [String: Int]? = nil, settings: GatewayApp.Settings = .init(),
        _ test: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let verifier = try await TokenVerifier.make(
            hmacSecret: secret, jwksJSON: nil, issuer: "lucid-dev", audience: "payment-api")
        let limiter = limits.map { RateLimiter(limits: $0) } ?? RateLimiter(enabled: false)
        let gateway = try GatewayApp(
            operations: operations(failure: failure), verifier: verifier, limiter: limiter, settings: settings,
            health: { (true, [:]) }, logger: Logger(label: "test"))
        try await Application(router: gateway.router()).test(.router, test)
    }

    static func token(
        _ role: String = "admin", subject: String = "root", issuer: String = "lucid-dev", lifetime: Double = 3600,
        secret: String = secret
    ) async throws -> String {
        try await TokenVerifier.developmentToken(
            secret: secret, subject: subject, role: role, issuer: issuer, audience: "payment-api", lifetime: lifetime)
    }

    struct Answer: Sendable {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var body: String
        var json: [String: any Sendable] {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: any Sendable]) ?? [:]
        }
    }

    static func call(
        _ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, token: String?,
        body: String? = nil, headers extra: HTTPFields = [:]
    ) async throws -> Answer {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        if body != nil { headers[.contentType] = "application/json" }
        return try await client.execute(
            uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }
        ) { Answer(status: $0.status, headers: $0.headers, body: String(buffer: $0.body)) }
    }

    @Test("no token, a malformed, forged, expired or foreign-issuer token: 401 with WWW-Authenticate")
    func unauthenticated() async throws {
        let forged = try await Self.token(secret: String(repeating: "x", count: 48))
        let expired = try await Self.token(lifetime: -120)
        let foreign = try await Self.token(issuer: "someone-else")
        try await Self.withGateway { client in
            let missing = try await Self.call(client, .get, "/api/payment/payouts/po_1", token: nil)
            #expect(missing.status == .unauthorized)
            #expect(missing.headers[.wwwAuthenticate] == "Bearer")
            #expect(missing.body == #"{"code":16,"details":[],"message":"a bearer token is required"}"#)
            for token in ["not-a-jwt", forged, expired, foreign] {
                let answer = try await Self.call(client, .get, "/api/payment/payouts/po_1", token: token)
                #expect(answer.status == .unauthorized, "\(token)")
                #expect(answer.headers[.wwwAuthenticate] == #"Bearer error="invalid_token""#)
                #expect(answer.json["code"] as? Int == 16)
            }
            let good = try await Self.call(client, .get, "/api/payment/payouts/po_1", token: try await Self.token())
            #expect(good.status == .ok)
        }
    }

    @Test("a role without the permission, or an unknown role: 403 naming them")
    func forbidden() async throws {
        let endUser = try await Self.token("end_user", subject: "u1")
        let stranger = try await Self.token("superuser")
        try await Self.withGateway { client in
            let answer = try await Self.call(client, .get, "/api/payment/stats", token: endUser)
            #expect(answer.status == .forbidden)
            #expect(
                answer.body == #"{"code":7,"details":[],"message":"role end_user lacks payment:stats for GetStats"}"#)
            let unknown = try await Self.call(client, .get, "/api/payment/stats", token: stranger)
            #expect(unknown.status == .forbidden)
            #expect(unknown.json["message"] as? String == #"unknown role "superuser""#)
            #expect(
                try await Self.call(client, .get, "/api/payment/stats", token: try await Self.token()).status == .ok)
        }
    }

    @Test("over the limit: 429 with Retry-After and RateLimit-*; the count is per principal")
    func rateLimit() async throws {
        let first = try await Self.token(subject: "a")
        let second = try await Self.token(subject: "b")
        try await Self.withGateway(limits: ["GetStats": 2]) { client in
            for remaining in ["1", "0"] {
                let answer = try await Self.call(client, .get, "/api/payment/stats", token: first)
                #expect(answer.status == .ok)
                #expect(answer.headers[HTTPField.Name("RateLimit-Limit")!] == "2")
                #expect(answer.headers[HTTPField.Name("RateLimit-Remaining")!] == remaining)
            }
            let refused = try await Self.call(client, .get, "/api/payment/stats", token: first)
            #expect(refused.status == .tooManyRequests)
            let retry = try #require(refused.headers[.retryAfter].flatMap { Int($0) })
            #expect((1...60).contains(retry))
            #expect(refused.json["code"] as? Int == 8)
            #expect(try await Self.call(client, .get, "/api/payment/stats", token: second).status == .ok)
        }
    }

    @Test("CORS: an allowed origin's preflight is 204 with the methods; another origin gets no CORS headers")
    func cors() async throws {
        var settings = GatewayApp.Settings()
        settings.corsOrigins = ["https://ops.example"]
        try await Self.withGateway(settings: settings) { client in
            let preflight = try await Self.call(
                client, .options, "/api/payment/payouts", token: nil,
                headers: [HTTPField.Name("Origin")!: "https://ops.example"])
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowOrigin] == "https://ops.example")
            #expect(preflight.headers[.accessControlAllowMethods] == "GET, POST, OPTIONS")
            #expect(preflight.headers[.accessControlAllowHeaders] == "Authorization, Content-Type, X-Request-ID")
            let other = try await Self.call(
                client, .options, "/api/payment/payouts", token: nil,
                headers: [HTTPField.Name("Origin")!: "https://evil.example"])
            #expect(other.headers[.accessControlAllowOrigin] == nil)
            #expect(other.headers[.accessControlAllowMethods] == nil)
            let simple = try await Self.call(
                client, .get, "/api/payment/stats", token: try await Self.token(),
                headers: [HTTPField.Name("Origin")!: "https://ops.example"])
            #expect(simple.headers[.accessControlAllowOrigin] == "https://ops.example")
            #expect(simple.headers[.vary] == "Origin")
        }
    }

    @Test("a known path with an undeclared method: 405 with Allow; an unknown path: 404")
    func methodNotAllowed() async throws {
        try await Self.withGateway { client in
            let answer = try await Self.call(client, .delete, "/api/payment/payouts/po_1", token: nil)
            #expect(answer.status == .methodNotAllowed)
            #expect(answer.headers[.allow] == "GET, HEAD, OPTIONS")
            #expect(
                answer.body
                    == #"{"code":12,"details":[],"message":"DELETE is not allowed here; allowed: GET, HEAD, OPTIONS"}"#)
            let put = try await Self.call(client, .put, "/api/payment/payouts", token: nil)
            #expect(put.headers[.allow] == "POST, OPTIONS")  // the fakes declare only CreatePayout there
            let unknown = try await Self.call(client, .get, "/api/payment/nothing", token: nil)
            #expect(unknown.status == .notFound)
            #expect(unknown.body == #"{"code":5,"details":[],"message":"no such endpoint"}"#)
        }
    }

    @Test(
        "payment-rpc's gRPC code becomes the HTTP status; the body keeps the code's number and the message",
        arguments: [
            (RPCError.Code.invalidArgument, 400, 3), (.failedPrecondition, 409, 9), (.notFound, 404, 5),
            (.alreadyExists, 409, 6), (.permissionDenied, 403, 7), (.unauthenticated, 401, 16),
            (.resourceExhausted, 429, 8), (.aborted, 409, 10), (.outOfRange, 400, 11), (.unimplemented, 501, 12),
            (.internalError, 500, 13), (.unavailable, 503, 14), (.deadlineExceeded, 504, 4), (.dataLoss, 500, 15),
            (.unknown, 500, 2), (.cancelled, 499, 1),
        ])
    func errorMapping(code: RPCError.Code, status: Int, number: Int) async throws {
        let failure = RPCError(code: code, message: "payout po_9: \"quoted\" reason")
        let token = try await Self.token()
        try await Self.withGateway(failure: failure) { client in
            let answer = try await Self.call(client, .post, "/api/payment/payouts", token: token, body: "{}")
            #expect(answer.status.code == status)
            #expect(answer.body == #"{"code":\#(number),"details":[],"message":"payout po_9: \"quoted\" reason"}"#)
            #expect(answer.headers[.contentType] == "application/json")
        }
    }

    @Test("a body over the limit is refused with 413 before the call; one at the limit passes")
    func oversizedBody() async throws {
        var settings = GatewayApp.Settings()
        settings.maxBodyBytes = 64
        let token = try await Self.token()
        try await Self.withGateway(settings: settings) { client in
            let padding = String(repeating: "a", count: 64)
            let big = try await Self.call(
                client, .post, "/api/payment/payouts", token: token, body: #"{"note":"\#(padding)"}"#)
            #expect(big.status == .contentTooLarge)
            #expect(big.body == #"{"code":3,"details":[],"message":"the request body is larger than 64 bytes"}"#)
            let fits = #"{"note":"\#(String(repeating: "a", count: 64 - 11))"}"#
            #expect(fits.utf8.count == 64)
            #expect(try await Self.call(client, .post, "/api/payment/payouts", token: token, body: fits).status == .ok)
        }
    }
}
