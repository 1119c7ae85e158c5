import Foundation
import Logging
import PaymentCore
import PaymentStore

/// The payout application: applies the domain rules to requests and records the results in the ledger.
/// The gRPC services translate to and from it; nothing here knows about the wire.
public struct PayoutDesk: Sendable {
    /// The largest batch accepted.
    public static let maxBatchItems = 1_000

    /// Where payouts and batches are stored and read; PaymentService also reads it directly for lists and stats.
    public let ledger: any PayoutLedger
    /// The routing rules every draft is validated against: per-router maxima, DIRECT allowlist, KYC authority.
    public let policy: PayoutPolicy
    /// The hourly and daily limits the ledger applies atomically with each insert (base units, by creation time).
    public let limits: LimitPolicy
    /// Refuses new payouts with UNAVAILABLE while open.
    public let breaker: BreakerController
    /// Stamps creation times (truncated to milliseconds) and checks KYC approval expiry.
    public let clock: any WallClock

    /// The desk `PaymentServer.services` builds from the configuration; it holds no state of its own.
    public init(
        ledger: any PayoutLedger, policy: PayoutPolicy, limits: LimitPolicy, breaker: BreakerController,
        clock: any WallClock
    ) {
        self.ledger = ledger
        self.policy = policy
        self.limits = limits
        self.breaker = breaker
        self.clock = clock
    }

    /// Validates and stores one payout (or returns its idempotent twin).
    public func createPayout(
        _ draft: PayoutDraft, priority: Priority?, idempotencyKey: String, caller: CallerIdentity
    ) async throws -> CreateOutcome<Payout> {
        try Identifier.validateIdempotencyKey(idempotencyKey)
        let now = millisecondNow()
        let validated = try policy.validate(draft, approval: .payout(idempotencyKey: idempotencyKey), now: now)
        try breaker.requireAcceptingPayouts()
        let priority = priority ?? .immediate
        var generator = SystemRandomNumberGenerator()
        let payout = makePayout(
            validated, id: Identifier.make(prefix: Identifier.payoutPrefix, using: &generator),
            idempotencyKey: idempotencyKey, priority: priority, batchID: nil, caller: caller, now: now)
        let new = NewPayout(
            payout: payout, fingerprint: RequestFingerprint.payout(draft, priority: priority),
            idempotencyScope: caller.requestedBy, kycApproval: validated.kycApproval)
        return try await ledger.createPayout(new, limits: limits)
    }

    /// Validates every item and stores the batch atomically; the first bad item refuses it, naming its index.
    public func createBatch(
        _ items: [PayoutDraft], batchType: Priority?, idempotencyKey: String, caller: CallerIdentity
    ) async throws -> CreateOutcome<BatchWithPayouts> {
        try Identifier.validateIdempotencyKey(idempotencyKey)
        guard !items.isEmpty else { throw PaymentError.invalid("items", "must hold at least one item") }
        guard items.count <= Self.maxBatchItems else {
            throw PaymentError.invalid("items", "holds \(items.count) items, at most \(Self.maxBatchItems) are allowed")
        }
        let now = millisecondNow()
        var validated: [ValidatedPayout] = []
        validated.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            do {
                let domain = KYCApproval.Domain.batchItem(batchIdempotencyKey: idempotencyKey, index: index)
                validated.append(try policy.validate(item, approval: domain, now: now))
            } catch {
                throw error.nested(under: "items[\(index)]")
            }
        }
        try breaker.requireAcceptingPayouts()
        let batchType = batchType ?? .immediate
        var generator = SystemRandomNumberGenerator()
        let batchID = Identifier.make(prefix: Identifier.batchPrefix, using: &generator)
        let payouts = validated.enumerated().map { index, item in
            makePayout(
                item, id: Identifier.make(prefix: Identifier.payoutPrefix, using: &generator),
                idempotencyKey: "\(idempotencyKey)/\(index)", priority: batchType, batchID: batchID, caller: caller,
                now: now)
        }
        let (total, overflow) = payouts.reduce((Int64(0), false)) { sum, payout in
            let (value, overflowed) = sum.0.addingReportingOverflow(payout.amountUnits)
            return (value, sum.1 || overflowed)
        }
        guard !overflow else { throw PaymentError.invalid("items", "the amounts add up to more than an int64 holds") }
        let batch = Batch(
            id: batchID, idempotencyKey: idempotencyKey, batchType: batchType, itemCount: payouts.count,
            totalUnits: total, scheduledFor: batchType.scheduledFor(acceptedAt: now), createdAt: now,
            requestedBy: caller.requestedBy)
        let new = NewBatch(
            batch: batch, payouts: payouts, fingerprint: RequestFingerprint.batch(items, batchType: batchType),
            idempotencyScope: caller.requestedBy,
            kycApprovals: validated.contains { $0.kycApproval != nil } ? validated.map(\.kycApproval) : [])
        return try await ledger.createBatch(new, limits: limits)
    }

    /// Cancels a payout not yet signed.
    public func cancelPayout(id: String, reason: String) async throws -> Payout {
        try Identifier.validatePayoutID(id)
        guard reason.unicodeScalars.count <= 256 else {
            throw PaymentError.invalid("reason", "must be at most 256 characters")
        }
        return try await ledger.cancelPayout(id: id, reason: reason, at: millisecondNow())
    }

    /// One payout, or NOT_FOUND.
    public func payout(id: String) async throws -> Payout {
        try Identifier.validatePayoutID(id)
        guard let payout = try await ledger.payout(id: id) else {
            throw PaymentError(.notFound, "payout \(id) does not exist")
        }
        return payout
    }

    /// One batch, or NOT_FOUND.
    public func batch(id: String) async throws -> BatchWithPayouts {
        try Identifier.validateBatchID(id)
        guard let batch = try await ledger.batch(id: id) else {
            throw PaymentError(.notFound, "batch \(id) does not exist")
        }
        return batch
    }

    /// The wall clock truncated to milliseconds, the ledger's precision, so what is returned is what is stored.
    func millisecondNow() -> Date {
        Date(milliseconds: clock.now().milliseconds)
    }

    private func makePayout(
        _ item: ValidatedPayout, id: String, idempotencyKey: String, priority: Priority, batchID: String?,
        caller: CallerIdentity, now: Date
    ) -> Payout {
        let scheduledFor = priority.scheduledFor(acceptedAt: now)
        return Payout(
            id: id, idempotencyKey: idempotencyKey, recipient: item.recipient.base58, amountUnits: item.amountUnits,
            reason: item.reason, router: item.router, priority: priority,
            status: PayoutStatus.initial(scheduledFor: scheduledFor, now: now), batchID: batchID,
            requestedBy: caller.requestedBy, nodeID: item.nodeID, kycHash: item.kycHash, createdAt: now,
            updatedAt: now, scheduledFor: scheduledFor)
    }
}
