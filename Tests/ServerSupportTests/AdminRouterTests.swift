import Hummingbird
import HummingbirdTesting
import Metrics
import Prometheus
import Synchronization
import Testing

@testable import ServerSupport

@Suite("Admin router: /live, /ready, /metrics")
struct AdminRouterTests {
    @Test("/ready follows the check; /live always answers; /metrics serves the registry's text")
    func routes() async throws {
        let ready = Atomic<Bool>(false)
        let registry = PrometheusCollectorRegistry()
        registry.makeCounter(name: "demo_requests_total").increment(by: Int64(3))
        let router = AdminRouter.make(registry: registry, ready: { ready.load(ordering: .relaxed) })
        let app = Application(router: router)
        try await app.test(.router) { client in
            try await client.execute(uri: "/live", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/ready", method: .get) { #expect($0.status == .serviceUnavailable) }
            ready.store(true, ordering: .relaxed)
            try await client.execute(uri: "/ready", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == AdminRouter.metricsContentType)
                #expect(String(buffer: response.body).contains("demo_requests_total 3"))
            }
            try await client.execute(uri: "/other", method: .get) { #expect($0.status == .notFound) }
        }
    }
}
