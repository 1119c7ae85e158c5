import Foundation
import GRDB
import GRPCCore
import Logging
import PaymentCore
import PaymentRPC
import Testing

@testable import PaymentStore

/// The breaker shared through the ledger: two controllers on one ledger stand for two instances.
@Suite("Breaker controller: shared state, lost races, a ledger that cannot store")
struct BreakerControllerTests {
    static let policy = CircuitBreakerPolicy(failureThresholdPercent: 50, minimumOutcomes: 4)

    static func withLedger(_ body: (SQLiteLedger, TestClock) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("breaker-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let ledger = try SQLiteLedger(
            path: directory.appendingPathComponent("l.sqlite").path, logger: Logger(label: "t"))
        try await body(ledger, TestClock(ISO8601DateFormatter().date(from: "2026-11-22T10:15:00Z")!))
        try ledger.close()
    }

    @Test("a failure-rate trip that loses the compare-and-set is applied again on top of the stored state")
    func tripAfterLostRace() async throws {
        try await Self.withLedger { ledger, clock in
            let a = try await BreakerController(
                policy: Self.policy, ledger: ledger, clock: clock, logger: Logger(label: "a"))
            let b = try await BreakerController(
                policy: Self.policy, ledger: ledger, clock: clock, logger: Logger(label: "b"))
            for _ in 0..<3 { await a.record(success: false) }
            #expect(a.current().state == .closed, "three outcomes are below the minimum")
            // b changes the stored breaker meanwhile: a's next save loses the race.
            _ = try await b.trip(reason: "by hand")
            clock.advance(by: 1)
            _ = try await b.reset(reason: "done")
            clock.advance(by: 1)
            await a.record(success: false)  // the fourth failure: a trips, decided on its own window
            #expect(a.current().state == .open, "the trip survives the lost race")
            let stored = try #require(try await ledger.loadBreaker())
            #expect(stored.state == .open)
            #expect(stored.opening?.manual == false)
            await b.refresh()
            #expect(b.current().state == .open, "the other instance adopts it")
        }
    }

    @Test("a trip or reset the ledger cannot store throws; the trip stays in force here, the reset is undone")
    func unsavedChanges() async throws {
        try await Self.withLedger { ledger, clock in
            let a = try await BreakerController(
                policy: Self.policy, ledger: ledger, clock: clock, logger: Logger(label: "a"))
            // The ledger refuses every write of the breaker row, as a failing disk or database would.
            try await ledger.pool.write { db in
                try db.execute(
                    sql: """
                        CREATE TRIGGER refuse_insert BEFORE INSERT ON breaker BEGIN SELECT RAISE(ABORT, 'disk gone'); END;
                        CREATE TRIGGER refuse_update BEFORE UPDATE ON breaker BEGIN SELECT RAISE(ABORT, 'disk gone'); END;
                        """)
            }
            await #expect(throws: (any Error).self) { _ = try await a.trip(reason: "stop") }
            #expect(a.current().state == .open, "opening is the safe side")
            clock.advance(by: 1)
            await #expect(throws: (any Error).self) { _ = try await a.reset(reason: "go") }
            #expect(a.current().state == .open, "a reset the others cannot see is not applied here either")
        }
    }
}
