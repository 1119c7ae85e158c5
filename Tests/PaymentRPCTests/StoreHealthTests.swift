import Foundation
import GRPCCore
import Logging
import PaymentAPI
import PaymentRPC
import PaymentStore
import Synchronization
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
            // Generous: the probe's own deadline is staleAfter too, and CI runs suites in parallel on two cores, where
            // a task has been seen to wait 5 s for a thread.
            let health = StoreHealth(staleAfter: .seconds(6))
            await health.probe(ledger)
            #expect(health.current.ok)
            try await Task.sleep(for: .milliseconds(6_500))
            #expect(health.current.ok == false)
            #expect(health.current.error?.contains("no answer") == true)
            await health.probe(ledger)
            #expect(health.current.ok)
            try ledger.close()
        }
    }

    @Test(
        "a check that hangs counts as down after staleAfter; a later check that answers is seen at once",
        .timeLimit(.minutes(1)))
    func hungCheck() async throws {
        let health = StoreHealth(staleAfter: .seconds(3))
        let hung = Hung()
        let started = ContinuousClock.now
        // The hung check returns only when released below: a probe that waited for it would never return here. The
        // bound is loose because a loaded CI machine has delayed the deadline's wake-up by 5 s.
        await health.probe { await hung.wait() }
        #expect(ContinuousClock.now - started < .seconds(30), "the probe gave up on the hung check")
        #expect(health.current.ok == false)
        #expect(health.current.error?.contains("no answer within") == true)
        await health.probe {}
        #expect(health.current.ok, "recovered while the hung check is still outstanding")
        hung.release()
    }

    @Test("at most maxUnanswered hung checks are outstanding; past that a probe does not ask again")
    func boundedUnanswered() async throws {
        let health = StoreHealth(staleAfter: .milliseconds(500))
        let hung = Hung()
        let calls = Mutex(0)
        for _ in 0..<(StoreHealth.maxUnanswered + 2) {
            await health.probe {
                calls.withLock { $0 += 1 }
                await hung.wait()
            }
        }
        // The admitted checks start in their own tasks; give a loaded machine time to start them all.
        let allStarted = ContinuousClock.now + .seconds(10)
        while calls.withLock({ $0 }) < StoreHealth.maxUnanswered && ContinuousClock.now < allStarted {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(calls.withLock { $0 } == StoreHealth.maxUnanswered)
        #expect(health.current.error?.contains("still unanswered") == true)
        hung.release()
        // The released checks give their places back from their own tasks; on a loaded machine that takes a while.
        let deadline = ContinuousClock.now + .seconds(30)
        repeat {
            await health.probe {}
        } while !health.current.ok && ContinuousClock.now < deadline
        #expect(health.current.ok, "the released checks made room again")
    }

    @Test("Health/Check answers from the last probe: a stale answer is NOT_SERVING although the ledger would answer")
    func checkFromMemory() async throws {
        let health = StoreHealth(staleAfter: .seconds(6))
        try await InProcessServer.with(storeHealth: health) { server in
            await health.probe(server.ledger)
            #expect(try await server.health.check(.init()).status == .serving)
            try await Task.sleep(for: .milliseconds(6_500))
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

/// A check that does not return (and ignores cancellation, as a query on a dead connection may) until released.
final class Hung: Sendable {
    private let waiting = Mutex<[CheckedContinuation<Void, Never>]>([])
    private let released = Mutex(false)

    func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = released.withLock { released in
                if !released { waiting.withLock { $0.append(continuation) } }
                return released
            }
            if resumeNow { continuation.resume() }
        }
    }

    func release() {
        let all = released.withLock { released in
            released = true
            return waiting.withLock { list in
                defer { list = [] }
                return list
            }
        }
        for continuation in all { continuation.resume() }
    }
}
