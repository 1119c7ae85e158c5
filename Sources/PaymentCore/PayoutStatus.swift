import Foundation

/// Where a payout is in its life, and which moves between states are allowed.
///
/// A payout starts `pending` (due now) or `scheduled` (due later); `scheduled → pending` when due, `pending/scheduled → signed` once a transaction
/// is signed and stored, `signed → broadcast` when a node accepts it, `broadcast → confirmed` when solidified with
/// SUCCESS. `failed` is reachable from every non-final state; `cancelled` only before signing. `signed` and
/// `broadcast` go back to `pending` (retired) only when their transaction provably cannot land (expired and not on
/// chain, the processor's rule), so the next attempt signs a new one; `signed → confirmed` happens when recovery
/// finds the transaction on chain.
public enum PayoutStatus: String, Sendable, Hashable, CaseIterable, Codable {
    case pending = "PENDING"
    case scheduled = "SCHEDULED"
    case signed = "SIGNED"
    case broadcast = "BROADCAST"
    case confirmed = "CONFIRMED"
    case failed = "FAILED"
    case cancelled = "CANCELLED"

    /// No move leaves a final state.
    public var isFinal: Bool { self == .confirmed || self == .failed || self == .cancelled }

    /// Only payouts with nothing signed can be cancelled.
    public var isCancellable: Bool { self == .pending || self == .scheduled }

    /// Whether `self → next` is a legal move.
    public func canMove(to next: PayoutStatus) -> Bool {
        switch (self, next) {
        case (.scheduled, .pending): true
        case (.pending, .signed), (.scheduled, .signed): true
        case (.signed, .broadcast), (.signed, .confirmed), (.signed, .signed): true
        case (.broadcast, .confirmed), (.broadcast, .signed): true
        case (.signed, .pending), (.broadcast, .pending): true
        case (.pending, .cancelled), (.scheduled, .cancelled): true
        case (let from, .failed): !from.isFinal
        default: false
        }
    }

    /// The first state of a payout due at `scheduledFor`, accepted at `now`.
    public static func initial(scheduledFor: Date, now: Date) -> PayoutStatus {
        scheduledFor <= now ? .pending : .scheduled
    }
}
