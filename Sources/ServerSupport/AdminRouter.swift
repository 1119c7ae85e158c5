import Hummingbird
import Prometheus

/// The routes every program's admin port serves: `/live` (the process answers), `/ready` (200 when `ready()`
/// holds, else 503) and `/metrics` (the Prometheus text exposition format). Programs add their own routes to
/// the router this returns.
public enum AdminRouter {
    /// The media type of the Prometheus text format, version 0.0.4.
    public static let metricsContentType = "text/plain; version=0.0.4"

    /// A router with `/live`, `/ready` and `/metrics`; `registry` nil serves an empty `/metrics`.
    public static func make(
        registry: PrometheusCollectorRegistry?, ready: @escaping @Sendable () async -> Bool
    ) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/live") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "live\n"))) }
        router.get("/ready") { _, _ in
            let isReady = await ready()
            return Response(
                status: isReady ? .ok : .serviceUnavailable,
                body: .init(byteBuffer: ByteBuffer(string: isReady ? "ready\n" : "not ready\n")))
        }
        router.get("/metrics") { _, _ in
            var bytes: [UInt8] = []
            registry?.emit(into: &bytes)
            return Response(
                status: .ok, headers: [.contentType: metricsContentType],
                body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        return router
    }
}
