import Foundation
import PaymentCore

/// The durable ledger of payouts and batches. Every mutating method is durable when it returns.
///
/// Domain refusals are thrown as `PaymentError` (idempotency conflicts, limits, unknown ids, illegal moves);
/// anything else thrown is a storage fault.
public protocol PayoutLedger: Sendable {
    /// Stores a new payout, unless its idempotency key was used before: then returns the stored payout when the
    /// fingerprint matches, and refuses with FAILED_PRECONDITION when it does not. Applies `limits` atomically
    /// with the insert, and records its KYC approval's digest in the same transaction: an approval that is expired
    /// at `createdAt` or was used before (by any caller, single or batch) is refused with FAILED_PRECONDITION.
    func createPayout(_ new: NewPayout, limits: LimitPolicy) async throws -> CreateOutcome<Payout>

    /// Stores a batch and all its payouts in one transaction, or nothing. Same idempotency rules.
    func createBatch(_ new: NewBatch, limits: LimitPolicy) async throws -> CreateOutcome<BatchWithPayouts>

    /// One payout, or nil.
    func payout(id: String) async throws -> Payout?

    /// The payouts with these ids that exist (any order).
    func payouts(ids: [String]) async throws -> [Payout]

    /// A page of payouts, newest first, after the cursor of the previous page.
    func listPayouts(_ filter: PayoutFilter, limit: Int, after cursor: PayoutCursor?, now: Date) async throws
        -> PayoutPage

    /// Cancels a payout that is not signed yet and gives its amount back to the limits. Cancelling a cancelled
    /// payout returns it unchanged.
    func cancelPayout(id: String, reason: String, at now: Date) async throws -> Payout

    /// A batch with its payouts in item order, or nil.
    func batch(id: String) async throws -> BatchWithPayouts?

    /// Counts by status and limit usage at `now`.
    func stats(at now: Date) async throws -> LedgerStats

    /// The persisted circuit breaker state, if any.
    func loadBreaker() async throws -> BreakerSnapshot?

    /// Persists the circuit breaker state.
    func saveBreaker(_ snapshot: BreakerSnapshot) async throws

    /// Throws when the store cannot serve reads and writes.
    func checkHealth() async throws
}

/// A payout ready to insert, with its request fingerprint and the scope its idempotency key lives in.
public struct NewPayout: Sendable {
    public var payout: Payout
    public var fingerprint: String
    /// Keys are unique per scope (the caller's `requested_by`).
    public var idempotencyScope: String
    /// The KYC approval this payout uses (KYC payouts): unexpired at acceptance and never used before, by anyone.
    public var kycApproval: KYCApprovalUse?

    public init(payout: Payout, fingerprint: String, idempotencyScope: String, kycApproval: KYCApprovalUse? = nil) {
        self.payout = payout
        self.fingerprint = fingerprint
        self.idempotencyScope = idempotencyScope
        self.kycApproval = kycApproval
    }
}

/// A batch ready to insert with all its payouts.
public struct NewBatch: Sendable {
    public var batch: Batch
    public var payouts: [Payout]
    public var fingerprint: String
    public var idempotencyScope: String
    /// The KYC approval each payout uses, by item index (nil for non-KYC items); empty when no item is KYC.
    public var kycApprovals: [KYCApprovalUse?]

    public init(
        batch: Batch, payouts: [Payout], fingerprint: String, idempotencyScope: String,
        kycApprovals: [KYCApprovalUse?] = []
    ) {
        self.batch = batch
        self.payouts = payouts
        self.fingerprint = fingerprint
        self.idempotencyScope = idempotencyScope
        self.kycApprovals = kycApprovals
    }
}

/// A batch and its payouts in item order.
public struct BatchWithPayouts: Sendable, Equatable {
    public var batch: Batch
    public var payouts: [Payout]

    public init(batch: Batch, payouts: [Payout]) {
        self.batch = batch
        self.payouts = payouts
    }
}

/// Whether a create stored something new or found an earlier identical request.
public enum CreateOutcome<Value: Sendable>: Sendable {
    case created(Value)
    case replayed(Value)

    public var value: Value {
        switch self {
        case .created(let value), .replayed(let value): value
        }
    }

    public var isReplay: Bool {
        if case .replayed = self { return true }
        return false
    }
}

/// ListPayouts filters; nil means any.
public struct PayoutFilter: Sendable, Hashable {
    public var status: PayoutStatus?
    public var router: Router?
    public var recipient: String?
    public var batchID: String?
    public var requestedBy: String?
    public var createdFrom: Date?
    public var createdBefore: Date?

    public init(
        status: PayoutStatus? = nil, router: Router? = nil, recipient: String? = nil, batchID: String? = nil,
        requestedBy: String? = nil, createdFrom: Date? = nil, createdBefore: Date? = nil
    ) {
        self.status = status
        self.router = router
        self.recipient = recipient
        self.batchID = batchID
        self.requestedBy = requestedBy
        self.createdFrom = createdFrom
        self.createdBefore = createdBefore
    }
}

/// Where a page ended: the ledger's insertion sequence of its last payout. New payouts sort before every cursor,
/// so pages stay stable while payouts are inserted.
public struct PayoutCursor: Sendable, Hashable {
    public var sequence: Int64
    public init(sequence: Int64) { self.sequence = sequence }
}

/// One page of payouts.
public struct PayoutPage: Sendable {
    public var payouts: [Payout]
    /// nil on the last page.
    public var next: PayoutCursor?

    public init(payouts: [Payout], next: PayoutCursor?) {
        self.payouts = payouts
        self.next = next
    }
}

/// Counts by (effective) status and the current limit usage.
public struct LedgerStats: Sendable, Equatable {
    public var countsByStatus: [PayoutStatus: Int64]
    public var usage: LimitUsage

    public init(countsByStatus: [PayoutStatus: Int64], usage: LimitUsage) {
        self.countsByStatus = countsByStatus
        self.usage = usage
    }
}

/// The persisted part of the circuit breaker.
public struct BreakerSnapshot: Sendable, Equatable {
    public var state: CircuitBreaker.State
    public var opening: CircuitBreaker.Opening?

    public init(state: CircuitBreaker.State, opening: CircuitBreaker.Opening?) {
        self.state = state
        self.opening = opening
    }
}
