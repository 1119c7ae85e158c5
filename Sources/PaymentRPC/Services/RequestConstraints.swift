import GRPCCore
import GRPCNIOTransportHTTP2Posix
import PaymentAPI
import PaymentCore
import SwiftProtobuf

/// The one place every RPC of PaymentService and AdminService passes before its handler runs: the request's declared
/// constraints (generated from the proto's `(lucid.api.v1.field)` options, lengths and counts first, so nothing long
/// is scanned, parsed or decoded), then the RPC's declared size (`(lucid.api.v1.method).max_request_bytes`, which
/// catches bulk that no field owns, such as unknown fields). A violation is INVALID_ARGUMENT naming the field
/// (`x-lucid-error-field`), through the same `PaymentError` mapping as every other refusal.
public struct RequestConstraintsInterceptor: ServerInterceptor {
    /// The interceptor `PaymentServer.interceptors` installs after `IdentityInterceptor`; it has no settings (the
    /// limits are generated from the proto).
    public init() {}

    /// Reads the single request message of a bounded RPC, checks it, and hands it on; a violation answers
    /// INVALID_ARGUMENT without calling the handler. RPCs without a declared size pass untouched.
    public func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let method = "/" + context.descriptor.fullyQualifiedMethod
        // Only the unary RPCs the proto bounds are checked; health and anything else pass untouched.
        guard let limit = PaymentRequestLimits.maxRequestBytes[method] else { return try await next(request, context) }
        var messages = request.messages.makeAsyncIterator()
        guard let message = try await messages.next() else { return try await next(request, context) }
        do {
            try Self.check(message, maxBytes: limit, method: context.descriptor.method)
        } catch {
            return StreamingServerResponse(error: RPCError(error))
        }
        return try await next(
            StreamingServerRequest(single: ServerRequest(metadata: request.metadata, message: message)), context)
    }

    /// Checks one request message: its fields' constraints, then its size.
    static func check(_ message: some Sendable, maxBytes: Int, method: String) throws(PaymentError) {
        if let checked = message as? any ConstraintChecked {
            do {
                try checked.checkConstraints()
            } catch {
                throw PaymentError.invalid(error.field, error.message)
            }
        }
        if let proto = message as? any SwiftProtobuf.Message {
            let size = (try? proto.serializedBytes() as [UInt8])?.count ?? Int.max
            guard size <= maxBytes else {
                throw PaymentError(
                    .invalidArgument, "the request is \(size) bytes; \(method) accepts at most \(maxBytes)")
            }
        }
    }

    /// The gRPC transport's configuration: no message larger than the largest any RPC accepts is even read.
    public static var transportConfig: HTTP2ServerTransport.Posix.Config {
        var config = HTTP2ServerTransport.Posix.Config.defaults
        config.rpc.maxRequestPayloadSize = PaymentRequestLimits.largestRequestBytes
        return config
    }
}
