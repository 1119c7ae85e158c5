import Foundation
import Testing

@testable import PaymentCore

@Suite("Scheduling, limits and the payout state machine")
struct ScheduleAndStateTests {
    @Test(
        "batch types decide scheduled_for (UTC)",
        arguments: [
            ("2026-11-22T03:39:10Z", Priority.immediate, "2026-11-22T03:39:10Z"),
            ("2026-11-22T03:39:10Z", .hourly, "2026-11-22T04:00:00Z"),
            ("2026-11-22T03:00:00Z", .hourly, "2026-11-22T04:00:00Z"),
            ("2026-11-22T23:59:59Z", .hourly, "2026-11-23T00:00:00Z"),
            ("2026-11-22T03:39:10Z", .daily, "2026-11-23T00:00:00Z"),
            ("2026-12-31T00:00:00Z", .daily, "2027-01-01T00:00:00Z"),
            ("2026-11-22T03:39:10Z", .weekly, "2026-11-23T00:00:00Z"),  // a Sunday → Monday
            ("2026-11-23T00:00:00Z", .weekly, "2026-11-30T00:00:00Z"),  // a Monday → next Monday
            ("2026-11-25T12:00:00Z", .weekly, "2026-11-30T00:00:00Z"),  // a Wednesday
        ])
    func schedule(now: String, priority: Priority, expected: String) {
        #expect(priority.scheduledFor(acceptedAt: Fixture.date(now)) == Fixture.date(expected))
    }

    @Test("initial status: PENDING when due, SCHEDULED when later")
    func initial() {
        let now = Fixture.date("2026-11-22T03:39:10Z")
        #expect(PayoutStatus.initial(scheduledFor: now, now: now) == .pending)
        #expect(PayoutStatus.initial(scheduledFor: now.addingTimeInterval(1), now: now) == .scheduled)
    }

    @Test("legal and illegal moves")
    func moves() {
        let legal: [(PayoutStatus, PayoutStatus)] = [
            (.scheduled, .pending), (.pending, .signed), (.scheduled, .signed), (.signed, .broadcast),
            (.broadcast, .confirmed), (.signed, .confirmed), (.broadcast, .signed), (.signed, .pending),
            (.broadcast, .pending), (.pending, .cancelled),
            (.scheduled, .cancelled), (.pending, .failed), (.signed, .failed), (.broadcast, .failed),
        ]
        for (from, to) in legal { #expect(from.canMove(to: to), "\(from) → \(to)") }
        let illegal: [(PayoutStatus, PayoutStatus)] = [
            (.signed, .cancelled), (.broadcast, .cancelled), (.confirmed, .failed), (.failed, .pending),
            (.cancelled, .pending), (.confirmed, .signed), (.pending, .confirmed), (.pending, .broadcast),
            (.pending, .scheduled), (.failed, .confirmed),
        ]
        for (from, to) in illegal { #expect(!from.canMove(to: to), "\(from) → \(to)") }
        #expect(PayoutStatus.allCases.filter(\.isCancellable) == [.pending, .scheduled])
        #expect(PayoutStatus.allCases.filter(\.isFinal) == [.confirmed, .failed, .cancelled])
    }

    @Test("a scheduled payout whose time has come reads PENDING")
    func effectiveStatus() {
        let now = Fixture.date("2026-11-22T03:39:10Z")
        let payout = Payout(
            id: "po_x", idempotencyKey: "k", recipient: Fixture.recipient, amountUnits: 1, reason: "r", router: .v0,
            priority: .hourly, status: .scheduled, requestedBy: "t", createdAt: now, updatedAt: now,
            scheduledFor: now.addingTimeInterval(60))
        #expect(payout.effectiveStatus(at: now) == .scheduled)
        #expect(payout.effectiveStatus(at: now.addingTimeInterval(60)) == .pending)
    }

    @Test("limits: hourly and daily, naming the limit")
    func limits() throws {
        let policy = LimitPolicy(dailyUnits: 10_000, hourlyUnits: 1_000)
        try policy.admit(1_000, usage: .init(dayUnits: 0, hourUnits: 0))
        try policy.admit(1, usage: .init(dayUnits: 9_999, hourUnits: 999))
        do {
            try policy.admit(2, usage: .init(dayUnits: 0, hourUnits: 999))
            Issue.record("hourly limit not enforced")
        } catch {
            #expect(error.code == .resourceExhausted)
            #expect(error.limit == "hourly")
            #expect(error.message.contains("hourly limit of 0.001000 USDT"))
        }
        do {
            try policy.admit(2, usage: .init(dayUnits: 9_999, hourUnits: 0))
            Issue.record("daily limit not enforced")
        } catch {
            #expect(error.limit == "daily")
        }
    }
}
