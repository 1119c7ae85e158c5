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

    /// The persisted circuit breaker state with its version, if any.
    func loadBreaker() async throws -> BreakerSnapshot?

    /// Persists the circuit breaker state if the stored version is still `snapshot.version` (0: nothing stored
    /// yet), and returns the new version; nil when another instance changed it first (compare and set, so that on
    /// a shared ledger a trip is never overwritten by a change made without seeing it).
    @discardableResult
    func saveBreaker(_ snapshot: BreakerSnapshot) async throws -> Int64?

    /// Throws when the store cannot serve reads and writes.
    func checkHealth() async throws
}

/// A payout ready to insert, with its request fingerprint and the scope its idempotency key lives in.
public struct NewPayout: Sendable {
    /// The payout to insert, built by the application (id, status, `createdAt` and `scheduledFor` already set).
    public var payout: Payout
    /// `RequestFingerprint.payout` of the request; a later request with the same key must carry the same one.
    public var fingerprint: String
    /// Keys are unique per scope (the caller's `requested_by`).
    public var idempotencyScope: String
    /// The KYC approval this payout uses (KYC payouts): unexpired at acceptance and never used before, by anyone.
    public var kycApproval: KYCApprovalUse?

    /// A create request for `PayoutLedger.createPayout`.
    public init(payout: Payout, fingerprint: String, idempotencyScope: String, kycApproval: KYCApprovalUse? = nil) {
        self.payout = payout
        self.fingerprint = fingerprint
        self.idempotencyScope = idempotencyScope
        self.kycApproval = kycApproval
    }
}

/// A batch ready to insert with all its payouts.
public struct NewBatch: Sendable {
    /// The batch row to insert; `itemCount` and `totalUnits` must match `payouts`.
    public var batch: Batch
    /// The batch's payouts in item order, each with `batchID` set to the batch's id.
    public var payouts: [Payout]
    /// `RequestFingerprint.batch` of the whole request; a later request with the same key must carry the same one.
    public var fingerprint: String
    /// Keys are unique per scope (the caller's `requestedBy`), shared with single payouts' keys.
    public var idempotencyScope: String
    /// The KYC approval each payout uses, by item index (nil for non-KYC items); empty when no item is KYC.
    public var kycApprovals: [KYCApprovalUse?]

    /// A create request for `PayoutLedger.createBatch`.
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
    /// The batch row.
    public var batch: Batch
    /// Its payouts, ordered by item index (`items[i]` of the request is `payouts[i]`).
    public var payouts: [Payout]

    /// A batch as read from, or just written to, the ledger.
    public init(batch: Batch, payouts: [Payout]) {
        self.batch = batch
        self.payouts = payouts
    }
}

/// Whether a create stored something new or found an earlier identical request.
public enum CreateOutcome<Value: Sendable>: Sendable {
    /// Stored by this call.
    case created(Value)
    /// The key was used before with the same fingerprint: the stored value, unchanged (an idempotent retry).
    case replayed(Value)

    /// What is stored, whether this call created it or found it.
    public var value: Value {
        switch self {
        case .created(let value), .replayed(let value): value
        }
    }

    /// Whether the value was found from an earlier request (the API's `replayed` field).
    public var isReplay: Bool {
        if case .replayed = self { return true }
        return false
    }
}

/// ListPayouts filters; nil means any.
public struct PayoutFilter: Sendable, Hashable {
    /// Only payouts with this effective status (a due SCHEDULED payout counts as PENDING).
    public var status: PayoutStatus?
    /// Only payouts on this router.
    public var router: Router?
    /// Only payouts to this base58 address (exact match).
    public var recipient: String?
    /// Only the payouts of this batch ("bt_" id).
    public var batchID: String?
    /// Only payouts requested by exactly this `requestedBy` ("<plane>/<service>[/user:<id>]").
    public var requestedBy: String?
    /// Only payouts created at or after this instant (inclusive, to the millisecond).
    public var createdFrom: Date?
    /// Only payouts created before this instant (exclusive, to the millisecond).
    public var createdBefore: Date?

    /// A filter; every nil field matches everything, and the set ones are combined with AND.
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
    /// The ledger's insertion sequence (`payouts.seq`) of the last payout on the previous page; the next page starts
    /// below it. Opaque to callers: the API wraps it in a page token.
    public var sequence: Int64
    /// A cursor at `sequence`.
    public init(sequence: Int64) { self.sequence = sequence }
}

/// One page of payouts.
public struct PayoutPage: Sendable {
    /// At most `limit` payouts, newest (highest sequence) first.
    public var payouts: [Payout]
    /// nil on the last page.
    public var next: PayoutCursor?

    /// A page as `listPayouts` returns it.
    public init(payouts: [Payout], next: PayoutCursor?) {
        self.payouts = payouts
        self.next = next
    }
}

/// Counts by (effective) status and the current limit usage.
public struct LedgerStats: Sendable, Equatable {
    /// Payouts per effective status; every status is present, 0 when none.
    public var countsByStatus: [PayoutStatus: Int64]
    /// What the limit windows of `now` hold (accepted, not cancelled), in USDT base units.
    public var usage: LimitUsage
    /// When the longest-waiting unfinished payout (PENDING, due SCHEDULED, SIGNED or BROADCAST) became due: its
    /// creation, or its scheduled time if later; nil when none is unfinished.
    public var oldestUnfinishedDueAt: Date?

    /// Stats as `PayoutLedger.stats` returns them.
    public init(countsByStatus: [PayoutStatus: Int64], usage: LimitUsage, oldestUnfinishedDueAt: Date? = nil) {
        self.countsByStatus = countsByStatus
        self.usage = usage
        self.oldestUnfinishedDueAt = oldestUnfinishedDueAt
    }
}

/// The persisted part of the circuit breaker.
public struct BreakerSnapshot: Sendable, Equatable {
    /// The position to restore on start.
    public var state: CircuitBreaker.State
    /// The last opening (kept after closing for display); nil when the breaker never opened.
    public var opening: CircuitBreaker.Opening?
    /// How many times the stored state was changed (0 before the first save). Loaded with the state; a save
    /// succeeds only while the stored version is still this one.
    public var version: Int64

    /// A snapshot of `CircuitBreaker.state` and `lastOpening`, as `BreakerController` saves it after each change.
    public init(state: CircuitBreaker.State, opening: CircuitBreaker.Opening?, version: Int64 = 0) {
        self.state = state
        self.opening = opening
        self.version = version
    }
}
