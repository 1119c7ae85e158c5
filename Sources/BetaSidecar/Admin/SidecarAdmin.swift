import Foundation
import Hummingbird
import Prometheus

/// The sidecar's admin HTTP port (`admin.listen`): `/live`, `/ready` (200 while the upstream is healthy, else 503),
/// `/metrics` (Prometheus text) and `/registry` (the registry's instances as JSON).
public enum SidecarAdmin {
    /// The admin routes over `metrics` (what `/metrics` emits), `health` (what `/ready` follows) and `registry`
    /// (what `/registry` lists, sorted by id; a failed list is a 500).
    public static func router(
        metrics: PrometheusCollectorRegistry, health: UpstreamHealth, registry: any ServiceRegistry
    ) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/live") { _, _ in "live\n" }
        router.get("/ready") { _, _ in
            health.isServing ? Response(status: .ok) : Response(status: .serviceUnavailable)
        }
        router.get("/metrics") { _, _ in
            var bytes: [UInt8] = []
            metrics.emit(into: &bytes)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        router.get("/registry") { _, _ in
            let data = try JSONEncoder().encode(try await registry.list())
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        return router
    }
}
