import Foundation

/// Where a payout is in its life, and which moves between states are allowed.
///
/// A payout starts `pending` (due now) or `scheduled` (due later); `scheduled → pending` when due,
/// `pending/scheduled → signed` once a transaction is signed and stored, `signed → broadcast` when a node accepts
/// it, `broadcast → confirmed` when solidified with SUCCESS. `failed` is reachable from every non-final state;
/// `cancelled` only before signing. `signed` and `broadcast` go back to `pending` (retired) only when their
/// transaction provably cannot land (expired and not on chain, the processor's rule), so the next attempt signs a
/// new one; `signed → confirmed` happens when recovery finds the transaction on chain. `canMove` also accepts
/// `signed → signed` and `broadcast → signed` (signing anew in place); the ledger's `recordSigned` still refuses
/// while a transaction is live, and the processor's retire goes back through `pending` instead.
///
/// The raw values are what the ledger stores (`payouts.status`).
public enum PayoutStatus: String, Sendable, Hashable, CaseIterable, Codable {
    /// Due and waiting to be signed (the processor takes it once its next attempt time has come).
    case pending = "PENDING"
    /// Accepted but not due before `scheduledFor`; reads as PENDING once that time has come (`effectiveStatus`).
    case scheduled = "SCHEDULED"
    /// A transaction is signed and stored, and may have been sent: no node's acceptance is recorded yet.
    case signed = "SIGNED"
    /// A node accepted the transaction, or it was seen in a block that is not solid yet.
    case broadcast = "BROADCAST"
    /// Final: in a solid block with receipt result SUCCESS; the recipient has been paid.
    case confirmed = "CONFIRMED"
    /// Final: will not be paid; `failureReason` says why (a failed receipt, a refusal, too many expired attempts).
    case failed = "FAILED"
    /// Final: cancelled before anything was signed; its amount no longer counts against the limits.
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
