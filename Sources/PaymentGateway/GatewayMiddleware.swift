import Foundation
import HTTPTypes
import Hummingbird

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
