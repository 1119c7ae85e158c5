import GRPCCore
import ServiceLifecycle
import PaymentAPI
import Synchronization

/// grpc.health.v1.Health, written from Debian grpc-proto's health.proto (no mirrored package ships one).
/// The overall service ("") and each named service report SERVING while the server is ready.
public final class HealthService: Grpc_Health_V1_Health.SimpleServiceProtocol, Sendable {
    /// Answers whether the server is ready; payment-rpc passes "the ledger answers a health check".
    public typealias Readiness = @Sendable () async -> Bool

    private let services: Set<String>
    private let readiness: Readiness

    /// `services` are the fully qualified names that Check answers for, besides "".
    public init(services: Set<String>, readiness: @escaping Readiness) {
        self.services = services
        self.readiness = readiness
    }

    /// SERVING or NOT_SERVING as `readiness` answers now; NOT_FOUND for a service that is neither "" nor in
    /// `services`.
    public func check(
        request: Grpc_Health_V1_HealthCheckRequest, context: ServerContext
    ) async throws -> Grpc_Health_V1_HealthCheckResponse {
        guard request.service.isEmpty || services.contains(request.service) else {
            throw RPCError(code: .notFound, message: "unknown service \(request.service)")
        }
        let serving = await readiness()
        return .with { $0.status = serving ? .serving : .notServing }
    }

    /// Sends the status at once and again whenever it changes, polling once a second, until the caller cancels
    /// or the server shuts down (graceful shutdown must not wait for watchers).
    public func watch(
        request: Grpc_Health_V1_HealthCheckRequest,
        response: RPCWriter<Grpc_Health_V1_HealthCheckResponse>,
        context: ServerContext
    ) async throws {
        let known = request.service.isEmpty || services.contains(request.service)
        var last: Grpc_Health_V1_HealthCheckResponse.ServingStatus?
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let status: Grpc_Health_V1_HealthCheckResponse.ServingStatus =
                known ? (await readiness() ? .serving : .notServing) : .serviceUnknown
            if status != last {
                try await response.write(.with { $0.status = status })
                last = status
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
