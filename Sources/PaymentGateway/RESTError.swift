import Foundation
import GRPCCore

/// An error answered by the gateway: HTTP status, gRPC code, message; rendered as {"code","message","details"}
/// with the code's number, as grpc-gateway writes it.
public struct RESTError: Error, Sendable {
    /// The HTTP status code answered (e.g. 400, 404, 429).
    public var status: Int
    /// The gRPC status code the body carries; its number (`rawValue`) is what goes on the wire.
    public var code: RPCError.Code
    /// A message for the caller: what was wrong and where, never a secret.
    public var message: String
    /// Extra response headers (`Retry-After`, `WWW-Authenticate`, the RateLimit-* set), name and value.
    public var headers: [(String, String)] = []

    /// An error answered with this HTTP status, gRPC code, message and extra headers.
    public init(status: Int, code: RPCError.Code, message: String, headers: [(String, String)] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    /// gRPC status → HTTP status, grpc-gateway's table, except FAILED_PRECONDITION: 409 Conflict, because here it
    /// always means the request conflicts with stored state (an idempotency key used for another request, a payout
    /// already signed), never that the request is malformed; 400 is kept for requests the document refuses.
    public static func http(for code: RPCError.Code) -> Int {
        switch code {
        case .failedPrecondition: 409
        case .invalidArgument, .outOfRange: 400
        case .unauthenticated: 401
        case .permissionDenied: 403
        case .notFound: 404
        case .alreadyExists, .aborted: 409
        case .resourceExhausted: 429
        case .cancelled: 499
        case .unimplemented: 501
        case .unavailable: 503
        case .deadlineExceeded: 504
        default: 500
        }
    }

    /// payment-rpc's error as the gateway answers it: the HTTP status of its code (`http(for:)`), its code and
    /// message unchanged.
    public init(_ error: RPCError) {
        self.init(status: Self.http(for: error.code), code: error.code, message: error.message)
    }

    /// The JSON body, `{"code":<number>,"details":[],"message":"…"}` with sorted keys.
    public var body: [UInt8] {
        let object: [String: Any] = ["code": code.rawValue, "message": message, "details": [Any]()]
        return [UInt8]((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
    }
}
