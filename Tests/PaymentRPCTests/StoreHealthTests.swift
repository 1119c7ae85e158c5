import Foundation
import GRPCCore
import Logging
import PaymentAPI
import PaymentRPC
import PaymentStore
import Testing

/// Health/Check, /ready and /health answer from `StoreHealth`, which a probe keeps current, not from a query per call.
@Suite("Store health: answered from memory, stale answers count as down")
struct StoreHealthTests {
    static func withLedger(_ body: (SQLiteLedger) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("health-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let ledger = try SQLiteLedger(
            path: directory.appendingPathComponent("l.sqlite").path, logger: Logger(label: "test"))
        try await body(ledger)
    }

    @Test("not ready before the first probe; ready after one that answered; down with the error after a failed one")
    func probes() async throws {
        try await Self.withLedger { ledger in
            let health = StoreHealth(staleAfter: .seconds(60))
            #expect(health.current.ok == false)
            #expect(health.current.error == "not probed yet")
            await health.probe(ledger)
            #expect(health.current.ok && health.current.error == nil)
            try ledger.close()
            await health.probe(ledger)
            #expect(health.current.ok == false)
            #expect(health.current.error?.isEmpty == false)
        }
    }

    @Test("an answer older than staleAfter counts as down (a probe that hangs turns the server not ready)")
    func stale() async throws {
        try await Self.withLedger { ledger in
            let health = StoreHealth(staleAfter: .milliseconds(100))
            await health.probe(ledger)
            #expect(health.current.ok)
            try await Task.sleep(for: .milliseconds(200))
            #expect(health.current.ok == false)
            #expect(health.current.error?.contains("no answer") == true)
            await health.probe(ledger)
            #expect(health.current.ok)
            try ledger.close()
        }
    }

    @Test("Health/Check answers from the last probe: a stale answer is NOT_SERVING although the ledger would answer")
    func checkFromMemory() async throws {
        let health = StoreHealth(staleAfter: .milliseconds(300))
        try await InProcessServer.with(storeHealth: health) { server in
            #expect(try await server.health.check(.init()).status == .serving)
            try await Task.sleep(for: .milliseconds(400))
            // The ledger still answers `SELECT 1`; only a query per call would say SERVING now.
            try await server.ledger.checkHealth()
            #expect(try await server.health.check(.init()).status == .notServing)
            let named = try await server.health.check(.with { $0.service = "lucid.payment.v1.PaymentService" })
            #expect(named.status == .notServing)
            await health.probe(server.ledger)
            #expect(try await server.health.check(.init()).status == .serving)
        }
    }
}
