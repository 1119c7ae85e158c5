import Foundation
import GRDB
import PaymentCore

/// The KYC approvals the ledger has accepted, one row per approval digest (`kyc_approvals`, UNIQUE on the digest):
/// an approval pays one payout, whoever sends it and in whatever form.
package enum KYCApprovalRecord {
    /// The refusal of an approval that `payoutID` already used.
    package static func alreadyUsed(by payoutID: String) -> PaymentError {
        PaymentError(
            .failedPrecondition,
            "this KYC approval was already used by payout \(payoutID); an approval pays one payout only",
            field: "kyc")
    }

    /// Refuses an approval that is expired at `now` or was already used (FAILED_PRECONDITION naming the payout).
    static func requireUsable(_ approval: KYCApprovalUse, at now: Date, db: Database) throws {
        try approval.requireUnexpired(at: now)
        if let payoutID = try String.fetchOne(
            db.cachedStatement(sql: "SELECT payout_id FROM kyc_approvals WHERE digest = ?"),
            arguments: [approval.digest])
        {
            throw alreadyUsed(by: payoutID)
        }
    }

    /// Records the approval as used by `payoutID`, in the caller's transaction. The UNIQUE constraint backs
    /// `requireUsable`: a second insert of the same digest fails the whole create.
    static func insert(_ approval: KYCApprovalUse, payoutID: String, at now: Date, db: Database) throws {
        try db.cachedStatement(
            sql: "INSERT INTO kyc_approvals (digest, payout_id, not_after_ms, created_at_ms) VALUES (?, ?, ?, ?)"
        ).execute(arguments: [approval.digest, payoutID, approval.notAfter.milliseconds, now.milliseconds])
    }
}
