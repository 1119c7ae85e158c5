import Foundation
import Hummingbird
import Prometheus
import ServerSupport

/// The sidecar's admin HTTP port (`admin.listen`): ServerSupport's `/live`, `/ready` (200 while the upstream is
/// healthy, else 503) and `/metrics` (Prometheus text), plus `/registry` (the registry's instances as JSON).
public enum SidecarAdmin {
    /// The admin routes over `metrics` (what `/metrics` emits), `health` (what `/ready` follows) and `registry`
    /// (what `/registry` lists, sorted by id; a failed list is a 500).
    public static func router(
        metrics: PrometheusCollectorRegistry, health: UpstreamHealth, registry: any ServiceRegistry
    ) -> Router<BasicRequestContext> {
        let router = AdminRouter.make(registry: metrics, ready: { health.isServing })
        router.get("/registry") { _, _ in
            let data = try JSONEncoder().encode(try await registry.list())
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        return router
    }
}
