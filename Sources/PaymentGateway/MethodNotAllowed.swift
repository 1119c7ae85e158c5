import HTTPTypes
import Hummingbird
import NIOCore

/// A known path asked with a method the API does not declare answers 405 with `Allow` listing the declared ones
/// (RFC 9110 §15.5.6), not 404; OPTIONS answers 204 with the same `Allow`. HEAD is allowed wherever GET is (the
/// router answers it from GET). The body is the gateway's usual error, `{"code","message","details"}`.
enum MethodNotAllowed {
    /// Every method a client might send to a known path.
    static let methods: [HTTPRequest.Method] = [.get, .head, .post, .put, .delete, .patch, .options, .trace, .connect]

    /// The declared methods of each router path.
    static func declared(_ operations: [RESTOperation]) -> [String: Set<String>] {
        Dictionary(grouping: operations, by: \.routerPath).mapValues { Set($0.map { $0.httpMethod.uppercased() }) }
    }

    /// The `Allow` value for a path's declared methods: them, HEAD with GET, and OPTIONS, in `methods` order.
    static func allow(_ declared: Set<String>) -> String {
        var allowed = declared
        if declared.contains("GET") { allowed.insert("HEAD") }
        allowed.insert("OPTIONS")
        return methods.map(\.rawValue).filter(allowed.contains).joined(separator: ", ")
    }

    /// Adds a route for every undeclared method of every declared path.
    static func register<Context: RequestContext>(on router: Router<Context>, operations: [RESTOperation]) {
        for (path, declared) in declared(operations).sorted(by: { $0.key < $1.key }) {
            let allow = allow(declared)
            for method in methods where !declared.contains(method.rawValue) {
                // The router answers HEAD from a GET route itself.
                if method == .head, declared.contains("GET") { continue }
                router.on(RouterPath(path), method: method) { request, _ in response(for: request.method, allow: allow)
                }
            }
        }
    }

    /// The declared paths with their `Allow` values, for requests the router found no route for (a method it has
    /// never heard of, such as QUERY): a path with more literal segments wins, as in the router.
    struct Table: Sendable {
        private var entries: [(segments: [Substring], allow: String)] = []

        init() {}

        init(_ operations: [RESTOperation]) {
            entries = MethodNotAllowed.declared(operations).map { path, methods in
                (path.split(separator: "/"), MethodNotAllowed.allow(methods))
            }
            .sorted {
                $0.segments.filter { !$0.hasPrefix(":") }.count > $1.segments.filter { !$0.hasPrefix(":") }.count
            }
        }

        /// The `Allow` value of the declared path `path` matches, if any.
        func allow(forPath path: String) -> String? {
            let segments = path.split(separator: "/")
            return entries.first { entry in
                entry.segments.count == segments.count
                    && zip(entry.segments, segments).allSatisfy { template, segment in
                        template.hasPrefix(":") || template == segment
                    }
            }?.allow
        }
    }

    static func response(for method: HTTPRequest.Method, allow: String) -> Response {
        if method == .options {
            return Response(status: .noContent, headers: [.allow: allow])
        }
        var response = GatewayApp.errorResponse(
            RESTError(
                status: 405, code: .unimplemented, message: "\(method.rawValue) is not allowed here; allowed: \(allow)")
        )
        response.headers[.allow] = allow
        return response
    }
}
