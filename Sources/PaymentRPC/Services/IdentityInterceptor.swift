import GRPCCore
import PaymentCore

/// Checks the caller identity of every call before any service sees it.
///
/// Every `x-lucid-*` header must be valid (INVALID_ARGUMENT naming the header otherwise, in every environment).
/// When `requireIdentity` (staging, production) a call without the sidecar's identity (`x-lucid-source-plane` and
/// `x-lucid-source-service`) is UNAUTHENTICATED, except grpc.health.v1.Health: the sidecar's prober calls it
/// without identity, it reveals only SERVING/NOT_SERVING, and it is still behind the socket's peer-uid check.
public struct IdentityInterceptor: ServerInterceptor {
    /// The service callable without identity.
    public static let anonymousServices: Set<String> = ["grpc.health.v1.Health"]

    let requireIdentity: Bool

    /// `requireIdentity` is `Environment.requiresSidecar`: true in staging and production.
    public init(requireIdentity: Bool) { self.requireIdentity = requireIdentity }

    /// Throws INVALID_ARGUMENT for a malformed identity header and UNAUTHENTICATED for a missing identity where one
    /// is required; otherwise calls the next interceptor or the handler unchanged.
    public func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let identity: CallerIdentity
        do {
            identity = try CallerIdentity(metadata: request.metadata)
        } catch {
            throw RPCError(error)
        }
        if requireIdentity, !identity.isAuthenticated,
            !Self.anonymousServices.contains(context.descriptor.service.fullyQualifiedService)
        {
            throw RPCError(
                code: .unauthenticated,
                message:
                    "\(context.descriptor.fullyQualifiedMethod) needs the caller identity the sidecar sets (x-lucid-source-plane, x-lucid-source-service); call payment-rpc through its sidecar"
            )
        }
        return try await next(request, context)
    }
}
