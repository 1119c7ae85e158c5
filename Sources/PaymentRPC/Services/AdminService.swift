import GRPCCore
import PaymentAPI
import PaymentCore

/// lucid.payment.v1.AdminService: the circuit breaker. Every call is authorized here (`AdminAuthorization`),
/// whatever the sidecar's ACL says.
public struct AdminService: Lucid_Payment_V1_AdminService.ServiceProtocol {
    let breaker: BreakerController
    let authorization: AdminAuthorization

    /// The service over the server's one breaker; `authorization` is built from `admin.allowed_callers`.
    public init(breaker: BreakerController, authorization: AdminAuthorization) {
        self.breaker = breaker
        self.authorization = authorization
    }

    /// GetBreaker: the breaker's state, why and when it last opened, and the failure window's counts.
    public func getBreaker(
        request: ServerRequest<Lucid_Payment_V1_GetBreakerRequest>, context: ServerContext
    ) async throws -> ServerResponse<Lucid_Payment_V1_BreakerStatus> {
        try authorization.authorize(request.metadata, method: "GetBreaker")
        return ServerResponse(message: status(of: breaker.current()))
    }

    /// TripBreaker: opens the breaker by hand (it stays open, across restarts, until ResetBreaker) so no payout is
    /// accepted or signed. `reason` is required, 1-256 characters (INVALID_ARGUMENT otherwise).
    public func tripBreaker(
        request: ServerRequest<Lucid_Payment_V1_TripBreakerRequest>, context: ServerContext
    ) async throws -> ServerResponse<Lucid_Payment_V1_BreakerStatus> {
        try authorization.authorize(request.metadata, method: "TripBreaker")
        let reason = request.message.reason
        let length = reason.unicodeScalars.count
        guard (1...256).contains(length) else {
            throw RPCError(PaymentError.invalid("reason", "is required: 1-256 characters saying why payouts stop"))
        }
        return ServerResponse(message: status(of: try await savedBreaker { try await breaker.trip(reason: reason) }))
    }

    /// ResetBreaker: closes the breaker however it opened (by hand, by the failure rate or by a fault); `reason` is
    /// optional, at most 256 characters.
    public func resetBreaker(
        request: ServerRequest<Lucid_Payment_V1_ResetBreakerRequest>, context: ServerContext
    ) async throws -> ServerResponse<Lucid_Payment_V1_BreakerStatus> {
        try authorization.authorize(request.metadata, method: "ResetBreaker")
        let reason = request.message.reason
        guard reason.unicodeScalars.count <= 256 else {
            throw RPCError(PaymentError.invalid("reason", "must be at most 256 characters"))
        }
        return ServerResponse(message: status(of: try await savedBreaker { try await breaker.reset(reason: reason) }))
    }

    /// Runs a trip or a reset; a ledger that could not store it is UNAVAILABLE (the other instances did not see it).
    private func savedBreaker(_ body: () async throws -> CircuitBreaker) async throws -> CircuitBreaker {
        do {
            return try await body()
        } catch {
            throw RPCError(
                code: .unavailable,
                message:
                    "the breaker change could not be stored in the ledger, so other instances do not see it; retry",
                cause: error)
        }
    }

    private func status(of breaker: CircuitBreaker) -> Lucid_Payment_V1_BreakerStatus {
        let counts = breaker.windowCounts(at: self.breaker.clockNow())
        return .with {
            $0.state = breaker.state.proto
            if let opening = breaker.lastOpening {
                $0.reason = breaker.state == .closed ? "" : opening.reason
                $0.openedAt = .init(milliseconds: opening.at)
                $0.manual = opening.manual && breaker.state != .closed
            }
            $0.windowFailures = Int64(counts.failures)
            $0.windowTotal = Int64(counts.total)
            $0.tripThresholdPercent = Int64(breaker.policy.failureThresholdPercent)
        }
    }
}
