import Foundation
import Hummingbird
import HummingbirdTesting
import Metrics
import Prometheus
import Testing

@testable import BetaSidecar

@Suite("The admin HTTP router: /live, /ready following the upstream's health, /metrics, /registry")
struct SidecarAdminTests {
    let metrics = PrometheusCollectorRegistry()
    let health = UpstreamHealth()
    let registry = EmbeddedRegistry()

    /// Answers GET `path` on the router in process: the status, the content type, the body.
    func get(_ path: String) async throws -> (status: HTTPResponse.Status, type: String?, body: String) {
        let app = Application(router: SidecarAdmin.router(metrics: metrics, health: health, registry: registry))
        return try await app.test(.router) { client in
            try await client.execute(uri: path, method: .get) { response in
                (response.status, response.headers[.contentType], String(buffer: response.body))
            }
        }
    }

    @Test func liveAnswers200() async throws {
        let live = try await get("/live")
        #expect(live.status == .ok)
        #expect(live.body == "live\n")
    }

    @Test func readyFollowsTheUpstreamsHealth() async throws {
        #expect(try await get("/ready").status == .serviceUnavailable)
        health.set(true)
        #expect(try await get("/ready").status == .ok)
        health.set(false)
        #expect(try await get("/ready").status == .serviceUnavailable)
    }

    @Test func metricsIsPrometheusText() async throws {
        let factory = PrometheusMetricsFactory(registry: metrics)
        Counter(label: "sidecar_test_total", dimensions: [("rule", "r1")], factory: factory).increment(by: 3)
        let scraped = try await get("/metrics")
        #expect(scraped.status == .ok)
        #expect(scraped.type?.hasPrefix("text/plain") == true)
        #expect(scraped.body.contains("# TYPE sidecar_test_total counter"))
        #expect(scraped.body.contains(#"sidecar_test_total{rule="r1"} 3"#))
    }

    @Test func registryListsTheInstancesAsJSON() async throws {
        let empty = try await get("/registry")
        #expect(empty.status == .ok && empty.type == "application/json" && empty.body == "[]")
        let second = ServiceInstance(
            id: "wallet/b@127.0.0.1:2", name: "b", plane: "wallet", address: "127.0.0.1", port: 2, tags: ["grpc"],
            healthy: false, version: "0.1.0")
        var first = second
        first.id = "wallet/a@127.0.0.1:1"
        first.healthy = true
        first.port = 1
        try await registry.register(second)
        try await registry.register(first)
        let listed = try await get("/registry")
        #expect(listed.type == "application/json")
        let decoded = try JSONDecoder().decode([ServiceInstance].self, from: Data(listed.body.utf8))
        #expect(decoded == [first, second])
        let object = try JSONSerialization.jsonObject(with: Data(listed.body.utf8)) as? [[String: Any]]
        #expect(object?.first?["healthy"] as? Bool == true && object?.first?["port"] as? Int == 1)
    }

    @Test func anUnknownPathIs404() async throws {
        #expect(try await get("/admin").status == .notFound)
    }
}
