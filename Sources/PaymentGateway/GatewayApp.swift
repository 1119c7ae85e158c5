import Foundation
import GRPCCore
import HTTPTypes
import Hummingbird
import Logging
import Metrics
import NIOCore
import SwiftProtobuf
import MetricHandles

/// The gateway's HTTP surface under /api/payment: the generated REST operations behind JWT authentication, role
/// checks, ownership checks for the roles that see only their own payouts (`Ownership`), per-principal rate limits,
/// CORS and request ids; plus the OpenAPI documents and an unauthenticated health endpoint, limited per client.
public struct GatewayApp: Sendable {
    public struct Settings: Sendable {
        /// Origins allowed by CORS; none by default.
        public var corsOrigins: Set<String> = []
        public var maxBodyBytes = 1 << 20
        public var requestTimeout: Duration = .seconds(10)
        /// How payment-rpc records this gateway's callers: "<plane>/<service>" + "/user:<subject>".
        public var gatewayIdentity = "ops/api-gateway"
        public var openAPIJSON: [UInt8] = []
        public var openAPIYAML: [UInt8] = []
        /// Who the health endpoint's rate limit counts: the TCP peer unless it is a trusted proxy.
        public var clientAddress = ClientAddressResolver()
        public init() {}
    }

    let operations: [RESTOperation]
    let verifier: TokenVerifier
    let limiter: RateLimiter
    let settings: Settings
    let health: @Sendable () async -> (ok: Bool, checks: [String: String])
    let logger: Logger
    let metrics = GatewayMetrics()

    public init(
        operations: [RESTOperation], verifier: TokenVerifier, limiter: RateLimiter, settings: Settings,
        health: @escaping @Sendable () async -> (ok: Bool, checks: [String: String]), logger: Logger
    ) {
        self.operations = operations
        self.verifier = verifier
        self.limiter = limiter
        self.settings = settings
        self.health = health
        self.logger = logger
    }

    public func router() -> Router<GatewayRequestContext> {
        let router = Router(context: GatewayRequestContext.self)
        router.add(
            middleware: GatewayMiddleware(
                corsOrigins: settings.corsOrigins, methods: MethodNotAllowed.Table(operations)))
        for operation in operations {
            let method = HTTPRequest.Method(operation.httpMethod) ?? .post
            router.on(RouterPath(operation.routerPath), method: method) { request, context in
                await self.handle(operation, request: request, context: context)
            }
        }
        MethodNotAllowed.register(on: router, operations: operations)
        router.get("/api/payment/openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: settings.openAPIJSON)))
        }
        router.get("/api/payment/openapi.yaml") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/yaml"],
                body: .init(byteBuffer: ByteBuffer(bytes: settings.openAPIYAML)))
        }
        router.get("/api/payment/health") { request, context in
            do {
                let client = settings.clientAddress.clientAddress(
                    peer: context.remoteAddress?.ipAddress,
                    forwardedFor: request.headers[values: HTTPField.Name("X-Forwarded-For")!])
                _ = try limiter.admit(operation: "health", principal: client)
            } catch {
                return Self.errorResponse(error)
            }
            let (ok, checks) = await health()
            let body: [String: Any] = ["status": ok ? "ok" : "degraded", "checks": checks]
            let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
            return Response(
                status: ok ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        return router
    }

    func handle(_ operation: RESTOperation, request: Request, context: GatewayRequestContext) async -> Response {
        let started = ContinuousClock.now
        var extraHeaders: [(String, String)] = []
        let response: Response
        do {
            let principal = try await verifier.principal(authorization: request.headers[.authorization])
            try AccessPolicy.authorize(principal, operation: operation.operationID)
            let ownership = try Ownership.rule(for: operation.operationID, role: principal.role)
            let owner = Ownership.owner(subject: principal.subject, gatewayIdentity: settings.gatewayIdentity)
            extraHeaders = try limiter.admit(operation: operation.operationID, principal: principal.subject)
            let body: [UInt8]
            do {
                body = [UInt8](buffer: try await request.body.collect(upTo: settings.maxBodyBytes))
            } catch {
                throw RESTError(
                    status: 413, code: .invalidArgument,
                    message: "the request body is larger than \(settings.maxBodyBytes) bytes")
            }
            var query = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
            if case .filteredList(let parameter) = ownership {
                query = try Ownership.ownQuery(query, parameter: parameter, owner: owner)
            }
            var path: [String: String] = [:]
            for parameter in operation.pathParameters { path[parameter.name] = context.parameters.get(parameter.name) }
            let json = try operation.requestJSON(body: body, query: query, path: path)
            var metadata: Metadata = [:]
            metadata.addString(principal.subject, forKey: "x-lucid-user-id")
            metadata.addString(principal.role.rawValue, forKey: "x-lucid-user-role")
            metadata.addString(context.requestID, forKey: "x-request-id")
            var options = CallOptions.defaults
            options.timeout = settings.requestTimeout
            if case .payoutInPath(let parameter) = ownership, let payoutID = path[parameter] {
                try await requireOwnership(payoutID: payoutID, owner: owner, metadata: metadata, options: options)
            }
            var output: [UInt8]
            do {
                output = try await operation.call(json, metadata, options)
            } catch let error as RPCError {
                throw RESTError(error)
            } catch let error as JSONDecodingError {
                throw RESTError(status: 400, code: .invalidArgument, message: Self.describe(error))
            }
            switch ownership {
            case .ownerInAnswer(let keyPath, let resource, let parameter):
                guard Ownership.owns(output, keyPath: keyPath, owner: owner) else {
                    throw RESTError(
                        status: 404, code: .notFound, message: "\(resource) \(path[parameter] ?? "") does not exist")
                }
            case .statusesOfOwnPayouts:
                let requested = (try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any])?["payoutIds"]
                output = try await Ownership.ownStatuses(output, requestedIDs: requested as? [String] ?? []) {
                    [metadata, options] id in
                    try await self.payoutOwned(id, owner: owner, metadata: metadata, options: options)
                }
            default:
                break
            }
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            response = Response(
                status: .ok, headers: headers,
                body: .init(byteBuffer: ByteBuffer(bytes: operation.responseJSON(output))))
        } catch let error as RESTError {
            response = Self.errorResponse(error)
        } catch {
            response = Self.errorResponse(RESTError(status: 500, code: .internalError, message: "internal error"))
        }
        var final = response
        for (name, value) in extraHeaders { if let field = HTTPField.Name(name) { final.headers[field] = value } }
        let elapsed = ContinuousClock.now - started
        metrics.record(operation: operation.operationID, status: final.status.code, elapsed: elapsed)
        return final
    }

    /// A payout the caller does not own is answered as one that does not exist.
    func requireOwnership(payoutID: String, owner: String, metadata: Metadata, options: CallOptions) async throws {
        guard try await payoutOwned(payoutID, owner: owner, metadata: metadata, options: options) else {
            throw RESTError(status: 404, code: .notFound, message: "payout \(payoutID) does not exist")
        }
    }

    /// Whether payment-rpc recorded the payout as requested by `owner`; false when it does not exist.
    func payoutOwned(_ payoutID: String, owner: String, metadata: Metadata, options: CallOptions) async throws -> Bool {
        guard let get = operations.first(where: { $0.operationID == "GetPayout" }) else { return false }
        let json = try get.requestJSON(body: [], query: [], path: ["payout_id": payoutID])
        do {
            return Ownership.owns(try await get.call(json, metadata, options), keyPath: ["requestedBy"], owner: owner)
        } catch let error as RPCError where error.code == .notFound {
            return false
        } catch let error as RPCError {
            throw RESTError(error)
        }
    }

    static func describe(_ error: JSONDecodingError) -> String {
        switch error {
        case .unknownField(let name): "unknown field \"\(name)\" in the request"
        default: "the request does not match the API: \(error)"
        }
    }

    static func errorResponse(_ error: any Error) -> Response {
        let rest = (error as? RESTError) ?? RESTError(status: 500, code: .internalError, message: "internal error")
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        for (name, value) in rest.headers { if let field = HTTPField.Name(name) { headers[field] = value } }
        return Response(
            status: .init(code: rest.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: rest.body)))
    }
}

/// Request counters and timers, made once per label set (a factory lookup per request is a lock and a hash).
final class GatewayMetrics: Sendable {
    private struct Key: Hashable {
        var operation: String
        var status: Int
    }
    private let counters = MetricHandleCache<Key, Counter>()
    private let timers = MetricHandleCache<String, Metrics.Timer>()

    func record(operation: String, status: Int, elapsed: Duration) {
        timers.handle(for: operation) {
            Metrics.Timer(label: "gateway_request_duration_seconds", dimensions: [("operation", operation)])
        }.recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        counters.handle(for: Key(operation: operation, status: status)) {
            Counter(
                label: "gateway_requests_total", dimensions: [("operation", operation), ("status", String(status))])
        }.increment()
    }
}

extension GatewayRequestContext {
    /// The request id: the caller's X-Request-ID when valid, else one made here (set by `GatewayMiddleware`).
    var requestID: String { logger[metadataKey: "request_id"].map { "\($0)" } ?? UUID().uuidString.lowercased() }
}

/// Request ids (kept or made, echoed) and CORS with an origin allowlist.
struct GatewayMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    let corsOrigins: Set<String>
    /// Known paths with their methods, so an unknown method on a known path answers 405, not 404.
    var methods = MethodNotAllowed.Table()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        let given = request.headers[HTTPField.Name("X-Request-ID")!]
        let requestID =
            given.flatMap {
                $0.count <= 128 && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
                    ? $0 : nil
            }
            ?? UUID().uuidString.lowercased()
        context.logger[metadataKey: "request_id"] = "\(requestID)"
        let origin = request.headers[HTTPField.Name("Origin")!]
        let allowed = origin.map { corsOrigins.contains($0) } ?? false
        var response: Response
        if request.method == .options, allowed {
            response = Response(status: .noContent)
            response.headers[HTTPField.Name("Access-Control-Allow-Methods")!] = "GET, POST, OPTIONS"
            response.headers[HTTPField.Name("Access-Control-Allow-Headers")!] =
                "Authorization, Content-Type, X-Request-ID"
            response.headers[HTTPField.Name("Access-Control-Max-Age")!] = "600"
        } else {
            do {
                response = try await next(request, context)
            } catch let error as HTTPError where error.status == .notFound {
                if let allow = methods.allow(forPath: request.uri.path) {
                    response = MethodNotAllowed.response(for: request.method, allow: allow)
                } else {
                    response = GatewayApp.errorResponse(
                        RESTError(status: 404, code: .notFound, message: "no such endpoint"))
                }
            } catch {
                response = GatewayApp.errorResponse(
                    RESTError(status: 500, code: .internalError, message: "internal error"))
            }
        }
        if allowed, let origin {
            response.headers[HTTPField.Name("Access-Control-Allow-Origin")!] = origin
            response.headers[HTTPField.Name("Vary")!] = "Origin"
            response.headers[HTTPField.Name("Access-Control-Expose-Headers")!] =
                "X-Request-ID, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset"
        }
        response.headers[HTTPField.Name("X-Request-ID")!] = requestID
        return response
    }
}
