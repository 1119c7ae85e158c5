import Foundation
import PaymentCore

/// The decisions both stores make the same way inside their transactions, with the same refusals.
package enum LedgerRules {
    /// Refuses a move the state machine does not allow (FAILED_PRECONDITION naming both states).
    package static func requireMove(_ payout: Payout, to next: PayoutStatus) throws(PaymentError) {
        guard payout.status.canMove(to: next) else {
            throw PaymentError(
                .failedPrecondition,
                "payout \(payout.id) cannot move from \(payout.status.rawValue) to \(next.rawValue)")
        }
    }

    /// The payout as a cancel leaves it, and whether that changes it (a cancelled payout is returned unchanged).
    /// NOT_FOUND for a missing payout; FAILED_PRECONDITION once it is SIGNED or later.
    package static func cancelling(_ stored: Payout?, id: String, reason: String, at now: Date) throws(PaymentError)
        -> (payout: Payout, changed: Bool)
    {
        guard var payout = stored else { throw PaymentError(.notFound, "payout \(id) does not exist") }
        if payout.status == .cancelled { return (payout, false) }
        guard payout.status.isCancellable else {
            throw PaymentError(
                .failedPrecondition,
                "payout \(id) is \(payout.status.rawValue) and can no longer be cancelled: only PENDING or SCHEDULED payouts can"
            )
        }
        payout.status = .cancelled
        payout.updatedAt = now
        payout.failureReason = reason.isEmpty ? "cancelled" : "cancelled: \(reason)"
        return (payout, true)
    }

    /// Refuses a batch that carries one KYC approval on two items (an approval pays one payout): FAILED_PRECONDITION
    /// at `items[i].kyc` of the later item, naming the earlier item's payout. Checked before the stored approvals.
    package static func requireDistinctApprovals(_ new: NewBatch) throws(PaymentError) {
        var firstUse: [String: String] = [:]
        for (index, approval) in new.kycApprovals.enumerated() {
            guard let approval, index < new.payouts.count else { continue }
            if let earlier = firstUse[approval.digest] {
                throw KYCApprovalRecord.alreadyUsed(by: earlier).nested(under: "items[\(index)]")
            }
            firstUse[approval.digest] = new.payouts[index].id
        }
    }
}
