import Foundation
import Hummingbird
import PaymentCore
import PaymentStore
import Prometheus

/// The admin HTTP port: /live (the process runs), /ready (the store answers and the breaker is not open),
/// /health (each check as JSON) and /metrics (Prometheus text).
enum AdminHTTP {
    /// The checks behind /ready and /health.
    struct Checks: Sendable {
        var store: Bool
        var storeError: String?
        var breaker: CircuitBreaker.State

        var ready: Bool { store && breaker != .open }

        static func run(ledger: any PayoutLedger, breaker: BreakerController) async -> Checks {
            do {
                try await ledger.checkHealth()
                return Checks(store: true, breaker: breaker.current().state)
            } catch {
                return Checks(store: false, storeError: "\(type(of: error))", breaker: breaker.current().state)
            }
        }
    }

    static func router(
        ledger: any PayoutLedger, breaker: BreakerController, registry: PrometheusCollectorRegistry?
    ) -> Hummingbird.Router<BasicRequestContext> {
        let router = Hummingbird.Router()
        router.get("/live") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "live\n"))) }
        router.get("/ready") { _, _ in
            let checks = await Checks.run(ledger: ledger, breaker: breaker)
            return Response(
                status: checks.ready ? .ok : .serviceUnavailable,
                body: .init(byteBuffer: ByteBuffer(string: checks.ready ? "ready\n" : "not ready\n")))
        }
        router.get("/health") { _, _ in
            let checks = await Checks.run(ledger: ledger, breaker: breaker)
            let body: [String: Any] = [
                "status": checks.ready ? "ok" : "unavailable",
                "checks": [
                    "store": ["ok": checks.store, "error": checks.storeError ?? ""] as [String: Any],
                    "circuit_breaker": ["ok": checks.breaker != .open, "state": checks.breaker.rawValue]
                        as [String: Any],
                ],
            ]
            let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
            return Response(
                status: checks.ready ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.get("/metrics") { _, _ in
            var bytes: [UInt8] = []
            registry?.emit(into: &bytes)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        return router
    }
}
