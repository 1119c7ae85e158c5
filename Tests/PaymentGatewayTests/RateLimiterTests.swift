import Foundation
import Testing

@testable import PaymentGateway

@Suite("Rate limiter: fixed windows, bounded keys")
struct RateLimiterTests {
    let minute = Date(timeIntervalSince1970: 1_800_000_000)  // a minute boundary

    @Test("the 121st health request of a minute is a 429 with Retry-After; the next window starts afresh")
    func limitAndWindow() throws {
        let limiter = RateLimiter()
        for _ in 0..<120 { _ = try limiter.admit(operation: "health", principal: "10.0.0.1", now: minute) }
        let error = #expect(throws: RESTError.self) {
            try limiter.admit(operation: "health", principal: "10.0.0.1", now: minute.addingTimeInterval(59))
        }
        #expect(error?.status == 429)
        #expect(error?.headers.contains { $0.0 == "Retry-After" && $0.1 == "1" } == true)
        let headers = try limiter.admit(operation: "health", principal: "10.0.0.1", now: minute.addingTimeInterval(60))
        #expect(headers.contains { $0 == ("RateLimit-Remaining", "119") })
    }

    @Test("1,000,000 distinct keys in one window: the key count stays at the cap and an active key keeps its count")
    func floodInOneWindow() throws {
        let bound = 10_000
        let limiter = RateLimiter(maxKeys: bound)
        for _ in 0..<120 { _ = try limiter.admit(operation: "health", principal: "victim", now: minute) }
        var refused = 0
        for index in 0..<1_000_000 {
            do {
                _ = try limiter.admit(operation: "health", principal: "k\(index)", now: minute.addingTimeInterval(30))
            } catch {
                refused += 1
            }
            if index % 100_000 == 0 { #expect(limiter.trackedKeys <= bound) }
        }
        #expect(limiter.trackedKeys <= bound)
        #expect(refused == 1_000_000 - (bound - 1))
        // Eviction never reset the victim: its 121st request of the minute is still refused.
        #expect(throws: RESTError.self) {
            try limiter.admit(operation: "health", principal: "victim", now: minute.addingTimeInterval(31))
        }
    }

    @Test("1,000,000 distinct keys over 1,000 seconds: idle keys are forgotten at each window, none is refused")
    func floodOverTime() throws {
        let bound = 100_000
        let limiter = RateLimiter(maxKeys: bound)
        var most = 0
        for index in 0..<1_000_000 {
            let now = minute.addingTimeInterval(Double(index / 1_000))
            _ = try limiter.admit(operation: "health", principal: "k\(index)", now: now)
            most = max(most, limiter.trackedKeys)
        }
        #expect(most <= 60_000, "one window holds at most 60 s × 1,000 keys")
        #expect(limiter.trackedKeys <= bound)
    }

    @Test("a request stamped in an earlier window (clock race) counts in the current one, never resets it")
    func lateRequest() throws {
        let limiter = RateLimiter(limits: ["op": 2])
        _ = try limiter.admit(operation: "op", principal: "a", now: minute.addingTimeInterval(60))
        _ = try limiter.admit(operation: "op", principal: "a", now: minute.addingTimeInterval(59))
        #expect(throws: RESTError.self) {
            try limiter.admit(operation: "op", principal: "a", now: minute.addingTimeInterval(61))
        }
    }
}

@Suite("Rate limits: one source for the limiter and the OpenAPI document")
struct RateLimitSourceTests {
    @Test("every REST operation has a limit, and the option the document is generated with lists exactly those")
    func option() {
        let operations = Set(AccessPolicy.permissions.keys)
        #expect(Set(RateLimiter.seedLimits.keys) == operations.union([RateLimiter.healthOperation]))
        let entries = RateLimiter.openAPIOption.split(separator: ";").map { $0.split(separator: ":") }
        #expect(Set(entries.map { String($0[0]) }) == operations)
        for entry in entries { #expect(RateLimiter.seedLimits[String(entry[0])] == Int(entry[1])) }
    }

    @Test("the committed OpenAPI document states the limiter's figures (regenerate openapi/ after changing them)")
    func committedDocument() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let data = try Data(contentsOf: root.appendingPathComponent("openapi/payment.openapi.json"))
        let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var stated: [String: Int] = [:]
        for operation in paths.values.flatMap(\.values).compactMap({ $0 as? [String: Any] }) {
            guard let id = operation["operationId"] as? String else { continue }
            stated[id] = (operation["x-rate-limit"] as? [String: Any])?["requests"] as? Int
        }
        #expect(stated == RateLimiter.seedLimits.filter { $0.key != RateLimiter.healthOperation })
    }
}
