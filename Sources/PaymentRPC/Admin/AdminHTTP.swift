import Foundation
import Hummingbird
import PaymentCore
import PaymentStore
import Prometheus
import ServerSupport

/// The admin HTTP port: /live (the process runs), /ready (the store answers and the breaker is not open),
/// /health (each check as JSON) and /metrics (Prometheus text).
enum AdminHTTP {
    /// The checks behind /ready and /health.
    struct Checks: Sendable {
        var store: Bool
        var storeError: String?
        var breaker: CircuitBreaker.State

        var ready: Bool { store && breaker != .open }

        /// The checks as they stand: the store as `storeHealth` last probed it, the breaker from memory.
        static func current(storeHealth: StoreHealth, breaker: BreakerController) -> Checks {
            let store = storeHealth.current
            return Checks(store: store.ok, storeError: store.error, breaker: breaker.current().state)
        }
    }

    /// `/live`, `/ready` (the store answers and the breaker is not open) and `/metrics` from ServerSupport's
    /// admin router, plus `/health` (each check as JSON).
    /// `walletHealth` (nil without a processor) adds the `hot_wallet` check: below a `treasury.min_*` threshold or
    /// unreadable makes /health say "degraded" (still 200: payouts may still be paid, and /ready is unchanged, so
    /// a low balance never takes the only instance out of service).
    static func router(
        storeHealth: StoreHealth, breaker: BreakerController, walletHealth: HotWalletHealth? = nil,
        registry: PrometheusCollectorRegistry?
    ) -> Hummingbird.Router<BasicRequestContext> {
        let router = AdminRouter.make(registry: registry) {
            Checks.current(storeHealth: storeHealth, breaker: breaker).ready
        }
        router.get("/health") { _, _ in
            let checks = Checks.current(storeHealth: storeHealth, breaker: breaker)
            var items: [String: Any] = [
                "store": ["ok": checks.store, "error": checks.storeError ?? ""] as [String: Any],
                "circuit_breaker": ["ok": checks.breaker != .open, "state": checks.breaker.rawValue] as [String: Any],
            ]
            let wallet = walletHealth?.current
            if let wallet {
                var item: [String: Any] = ["ok": !wallet.degraded, "below": wallet.below, "error": wallet.error ?? ""]
                if let figures = wallet.figures {
                    item["trx_sun"] = figures.trxSun
                    item["usdt_units"] = figures.usdtUnits
                    item["payouts_covered"] = figures.coverage.total
                }
                items["hot_wallet"] = item
            }
            let status = !checks.ready ? "unavailable" : wallet?.degraded == true ? "degraded" : "ok"
            let body: [String: Any] = ["status": status, "checks": items]
            let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
            return Response(
                status: checks.ready ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        return router
    }
}
