import Foundation
import Testing

@testable import PaymentCore

@Suite("Circuit breaker with an injected clock")
struct CircuitBreakerTests {
    let start = Fixture.date("2026-11-22T10:00:00Z")
    let policy = CircuitBreakerPolicy(
        failureThresholdPercent: 50, minimumOutcomes: 10, window: .seconds(600), openCooldown: .seconds(60))

    @Test("trips at 50% failures once the window holds enough outcomes")
    func trips() {
        var breaker = CircuitBreaker(policy: policy)
        for index in 0..<9 { breaker.record(success: index % 2 == 0, at: start.addingTimeInterval(Double(index))) }
        #expect(breaker.state == .closed, "9 outcomes are below the minimum")
        breaker.record(success: false, at: start.addingTimeInterval(9))
        #expect(breaker.state == .open)
        #expect(breaker.lastOpening?.reason == "5 of 10 payout attempts failed in the last 600 s")
        let r1 = breaker.acceptsPayouts(at: start.addingTimeInterval(10))
        #expect(!r1)
    }

    @Test("below the threshold it stays closed; old outcomes leave the window")
    func window() {
        var breaker = CircuitBreaker(policy: policy)
        for index in 0..<6 { breaker.record(success: false, at: start.addingTimeInterval(Double(index))) }
        // Ten minutes later those failures are out of the window.
        let later = start.addingTimeInterval(700)
        for index in 0..<10 { breaker.record(success: index < 6, at: later.addingTimeInterval(Double(index))) }
        #expect(breaker.state == .closed)
        #expect(breaker.windowCounts(at: later.addingTimeInterval(10)) == (4, 10))
    }

    @Test("half-open after the cooldown lets one probe through; success closes")
    func halfOpenSuccess() {
        var breaker = CircuitBreaker(policy: policy)
        breaker.tripAutomatically(reason: "SIGERROR", at: start)
        let r2 = breaker.admitAttempt(at: start.addingTimeInterval(59))
        #expect(!r2)
        let r3 = breaker.admitAttempt(at: start.addingTimeInterval(60))
        #expect(r3)
        #expect(breaker.state == .halfOpen)
        let r4 = breaker.admitAttempt(at: start.addingTimeInterval(61))
        #expect(!r4, "only one probe")
        let r5 = breaker.acceptsPayouts(at: start.addingTimeInterval(61))
        #expect(r5, "half-open accepts new payouts")
        breaker.record(success: true, at: start.addingTimeInterval(62))
        #expect(breaker.state == .closed)
    }

    @Test("a failed probe opens it again")
    func halfOpenFailure() {
        var breaker = CircuitBreaker(policy: policy)
        breaker.tripAutomatically(reason: "x", at: start)
        let r6 = breaker.admitAttempt(at: start.addingTimeInterval(60))
        #expect(r6)
        breaker.record(success: false, at: start.addingTimeInterval(61))
        #expect(breaker.state == .open)
        #expect(breaker.lastOpening?.reason == "half-open probe failed")
    }

    @Test("automatic trips reset at 00:00 UTC; manual trips do not")
    func midnight() {
        let lateEvening = Fixture.date("2026-11-22T23:59:30Z")
        var automatic = CircuitBreaker(policy: CircuitBreakerPolicy(openCooldown: .seconds(86_400)))
        automatic.tripAutomatically(reason: "x", at: lateEvening)
        automatic.advance(to: Fixture.date("2026-11-22T23:59:59Z"))
        #expect(automatic.state == .open)
        automatic.advance(to: Fixture.date("2026-11-23T00:00:00Z"))
        #expect(automatic.state == .closed)

        var manual = CircuitBreaker(policy: policy)
        manual.trip(reason: "operator", at: lateEvening)
        manual.advance(to: Fixture.date("2026-11-24T00:00:00Z"))
        #expect(manual.state == .open)
        #expect(manual.lastOpening?.manual == true)
        manual.reset()
        #expect(manual.state == .closed)
    }

    @Test("outcomes while open are not counted")
    func openIgnoresOutcomes() {
        var breaker = CircuitBreaker(policy: policy)
        breaker.trip(reason: "op", at: start)
        breaker.record(success: true, at: start.addingTimeInterval(1))
        #expect(breaker.state == .open)
        #expect(breaker.windowCounts(at: start.addingTimeInterval(1)).total == 0)
    }
}
