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
    /// What the router is configured with besides its operations; the defaults are the production ones except
    /// the OpenAPI documents (empty until read from `openapi_dir`).
    public struct Settings: Sendable {
        /// Origins allowed by CORS; none by default.
        public var corsOrigins: Set<String> = []
        /// The largest request body read, in bytes (1 MiB); a larger one is answered 413 before any call.
        public var maxBodyBytes = 1 << 20
        /// The deadline of each gRPC call to payment-rpc.
        public var requestTimeout: Duration = .seconds(10)
        /// How payment-rpc records this gateway's callers: "<plane>/<service>" + "/user:<subject>".
        public var gatewayIdentity = "ops/api-gateway"
        /// The bytes served at /api/payment/openapi.json.
        public var openAPIJSON: [UInt8] = []
        /// The bytes served at /api/payment/openapi.yaml.
        public var openAPIYAML: [UInt8] = []
        /// Who the health endpoint's rate limit counts: the TCP peer unless it is a trusted proxy.
        public var clientAddress = ClientAddressResolver()
        /// The defaults.
        public init() {}
    }

    let operations: [RESTOperation]
    /// Each operation's declared rules, in `operations` order.
    let policies: [OperationPolicy]
    let payoutLookup: PayoutLookup?
    let verifier: TokenVerifier
    let limiter: RateLimiter
    let settings: Settings
    let health: @Sendable () async -> (ok: Bool, checks: [String: String])
    let logger: Logger
    let metrics = GatewayMetrics()

    /// The gateway over `operations` (the generated shim's, or fakes in tests); `health` answers the health
    /// endpoint. Each operation's access and ownership rules are resolved here, once.
    /// - Throws: `GatewayPolicyError` naming an operation that `AccessPolicy` or `Ownership` does not declare, or
    ///   one whose ownership rule needs the GetPayout operation when `operations` lacks it (fail closed).
    public init(
        operations: [RESTOperation], verifier: TokenVerifier, limiter: RateLimiter, settings: Settings,
        health: @escaping @Sendable () async -> (ok: Bool, checks: [String: String]), logger: Logger
    ) throws(GatewayPolicyError) {
        (policies, payoutLookup) = try OperationPolicy.resolve(operations)
        self.operations = operations
        self.verifier = verifier
        self.limiter = limiter
        self.settings = settings
        self.health = health
        self.logger = logger
    }

    /// The routes: every operation at its path and method, 405 for the other methods of known paths, the
    /// OpenAPI documents and the health endpoint, behind the request-id and CORS middleware.
    public func router() -> Router<GatewayRequestContext> {
        let router = Router(context: GatewayRequestContext.self)
        router.add(
            middleware: GatewayMiddleware(
                corsOrigins: settings.corsOrigins, methods: MethodNotAllowed.Table(operations)))
        for (operation, policy) in zip(operations, policies) {
            let method = HTTPRequest.Method(operation.httpMethod) ?? .post
            router.on(RouterPath(operation.routerPath), method: method) { request, context in
                await self.handle(operation, policy: policy, request: request, context: context)
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
                _ = try limiter.admit(operation: RateLimiter.healthOperation, principal: client)
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

    /// One REST operation: token, role and ownership rule, rate limit, body, request JSON, the call, the answer
    /// confined to the caller; every error becomes the JSON error body.
    func handle(
        _ operation: RESTOperation, policy: OperationPolicy, request: Request, context: GatewayRequestContext
    ) async -> Response {
        let started = ContinuousClock.now
        var extraHeaders: [(String, String)] = []
        let response: Response
        do {
            let principal = try await verifier.principal(authorization: request.headers[.authorization])
            let ownership = OwnershipScope(
                rule: try policy.authorize(principal),
                owner: Ownership.owner(subject: principal.subject, gatewayIdentity: settings.gatewayIdentity),
                lookup: payoutLookup)
            extraHeaders = try limiter.admit(operation: operation.operationID, principal: principal.subject)
            let body: [UInt8]
            do {
                body = [UInt8](buffer: try await request.body.collect(upTo: settings.maxBodyBytes))
            } catch {
                throw RESTError(
                    status: 413, code: .invalidArgument,
                    message: "the request body is larger than \(settings.maxBodyBytes) bytes")
            }
            let query = try ownership.query(request.uri.queryParameters.map { (String($0.key), String($0.value)) })
            var path: [String: String] = [:]
            for parameter in operation.pathParameters { path[parameter.name] = context.parameters.get(parameter.name) }
            let json = try operation.requestJSON(body: body, query: query, path: path)
            var metadata: Metadata = [:]
            metadata.addString(principal.subject, forKey: "x-lucid-user-id")
            metadata.addString(principal.role.rawValue, forKey: "x-lucid-user-role")
            metadata.addString(context.requestID, forKey: "x-request-id")
            var options = CallOptions.defaults
            options.timeout = settings.requestTimeout
            try await ownership.beforeCall(path: path, metadata: metadata, options: options)
            var output: [UInt8]
            do {
                output = try await operation.call(json, metadata, options)
            } catch let error as RPCError {
                throw RESTError(error)
            } catch let error as JSONDecodingError {
                throw RESTError(status: 400, code: .invalidArgument, message: Self.describe(error))
            }
            output = try await ownership.answer(
                output, requestJSON: json, path: path, metadata: metadata, options: options)
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
