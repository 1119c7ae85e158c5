import GRPCCore
import PaymentAPI
import PaymentCore

/// lucid.payment.v1.AdminService: the circuit breaker.
public struct AdminService: Lucid_Payment_V1_AdminService.SimpleServiceProtocol {
    let breaker: BreakerController

    public init(breaker: BreakerController) { self.breaker = breaker }

    public func getBreaker(
        request: Lucid_Payment_V1_GetBreakerRequest, context: ServerContext
    ) async throws -> Lucid_Payment_V1_BreakerStatus {
        status(of: breaker.current())
    }

    public func tripBreaker(
        request: Lucid_Payment_V1_TripBreakerRequest, context: ServerContext
    ) async throws -> Lucid_Payment_V1_BreakerStatus {
        let length = request.reason.unicodeScalars.count
        guard (1...256).contains(length) else {
            throw RPCError(PaymentError.invalid("reason", "is required: 1-256 characters saying why payouts stop"))
        }
        return status(of: await breaker.trip(reason: request.reason))
    }

    public func resetBreaker(
        request: Lucid_Payment_V1_ResetBreakerRequest, context: ServerContext
    ) async throws -> Lucid_Payment_V1_BreakerStatus {
        guard request.reason.unicodeScalars.count <= 256 else {
            throw RPCError(PaymentError.invalid("reason", "must be at most 256 characters"))
        }
        return status(of: await breaker.reset(reason: request.reason))
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
