import Foundation
import TronKit

/// A payout request as received, before validation.
public struct PayoutDraft: Sendable, Equatable {
    /// The recipient as sent: a base58check TRON address is expected but not yet checked.
    public var recipient: String
    /// Amount in USDT base units as sent; `validate` requires > 0 and at most the router's maximum.
    public var amountUnits: Int64
    /// The reason as sent; `validate` requires 1-256 characters without control characters.
    public var reason: String
    /// nil when the request names no router.
    public var router: Router?
    /// The KYC attestation, when the request carried one; required for KYC payouts, ignored otherwise.
    public var kyc: KYCAttestation?

    /// A draft from a CreatePayout request or one CreateBatch item; also the input of `RequestFingerprint`.
    public init(
        recipient: String, amountUnits: Int64, reason: String, router: Router? = nil, kyc: KYCAttestation? = nil
    ) {
        self.recipient = recipient
        self.amountUnits = amountUnits
        self.reason = reason
        self.router = router
        self.kyc = kyc
    }
}

/// A payout request that passed every rule.
public struct ValidatedPayout: Sendable, Equatable {
    /// The recipient, parsed and checksum-verified; its `base58` form is what the ledger stores.
    public var recipient: TronAddress
    /// Amount in USDT base units: > 0 and at most the router's per-payout maximum.
    public var amountUnits: Int64
    /// The reason: 1-256 characters without control characters.
    public var reason: String
    /// The router the payout goes on (the requested one, or the one `Router.select` chose).
    public var router: Router
    /// Set for KYC payouts.
    public var nodeID: String?
    /// Set for KYC payouts, lowercase.
    public var kycHash: String?
    /// Set for KYC payouts: the approval the ledger must record as used (and refuse when used before or expired).
    public var kycApproval: KYCApprovalUse?
}

/// The routing rules: per-router maxima, the DIRECT allowlist and the compliance authority.
public struct PayoutPolicy: Sendable {
    /// The largest single payout each router accepts, in base units.
    public var maxPerPayout: [Router: Int64]
    /// The only recipients DIRECT payouts may go to.
    public var directAllowlist: Set<TronAddress>
    /// Verifies KYC approvals; KYC payouts are refused while it is nil.
    public var complianceAuthority: ComplianceAuthority?

    /// The policy as read from configuration at start.
    public init(
        maxPerPayout: [Router: Int64], directAllowlist: Set<TronAddress>, complianceAuthority: ComplianceAuthority?
    ) {
        self.maxPerPayout = maxPerPayout
        self.directAllowlist = directAllowlist
        self.complianceAuthority = complianceAuthority
    }

    /// Checks every rule of a payout. `approval` is what a KYC approval must approve (this single payout, or this
    /// item of this batch); `now` is the server's clock, against which `not_after` may be at most
    /// `KYCApproval.maximumLifetimeSeconds` ahead. Whether the approval has expired is checked by the ledger at
    /// acceptance, after an idempotent replay is recognised (a replay returns the stored payout even after expiry).
    /// Errors name the field.
    public func validate(
        _ draft: PayoutDraft, approval: KYCApproval.Domain, now: Date
    ) throws(PaymentError) -> ValidatedPayout {
        let recipient: TronAddress
        if draft.recipient.isEmpty { throw .invalid("recipient_address", "is required") }
        do {
            recipient = try TronAddress(base58: draft.recipient)
        } catch {
            throw .invalid("recipient_address", "is not a TRON address (\(error))")
        }
        guard draft.amountUnits > 0 else {
            throw .invalid("amount_units", "must be greater than 0 (USDT base units, 1 USDT = 1000000)")
        }
        let reasonLength = draft.reason.unicodeScalars.count
        guard (1...256).contains(reasonLength) else {
            throw .invalid(
                "reason", reasonLength == 0 ? "is required" : "must be at most 256 characters, got \(reasonLength)")
        }
        guard !draft.reason.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalid("reason", "must not contain control characters")
        }

        let router = Router.select(requested: draft.router, kyc: draft.kyc)
        let maximum = maxPerPayout[router] ?? 0
        guard draft.amountUnits <= maximum else {
            throw .invalid(
                "amount_units",
                "\(USDT.format(draft.amountUnits)) exceeds the \(router.rawValue) per-payout maximum of \(USDT.format(maximum))"
            )
        }

        var validated = ValidatedPayout(
            recipient: recipient, amountUnits: draft.amountUnits, reason: draft.reason, router: router)
        switch router {
        case .v0:
            break
        case .direct:
            guard directAllowlist.contains(recipient) else {
                throw .invalid("recipient_address", "\(recipient.base58) is not on the DIRECT allowlist")
            }
        case .kyc:
            let (nodeID, hash, use) = try validateKYC(draft, approval: approval, now: now)
            validated.nodeID = nodeID
            validated.kycHash = hash
            validated.kycApproval = use
        }
        return validated
    }

    private func validateKYC(
        _ draft: PayoutDraft, approval: KYCApproval.Domain, now: Date
    ) throws(PaymentError) -> (nodeID: String, hash: String, use: KYCApprovalUse) {
        guard let kyc = draft.kyc else { throw .invalid("kyc", "is required for KYC payouts") }
        guard kyc.verified else { throw .invalid("kyc.kyc_verified", "must be true for KYC payouts") }
        guard kyc.hash.utf8.count == 64, Hex.decode(kyc.hash) != nil else {
            throw .invalid("kyc.kyc_hash", "must be a SHA-256 digest: 64 hexadecimal characters")
        }
        guard Self.isValidNodeID(kyc.nodeID) else {
            throw .invalid("kyc.node_id", "must be 1-128 characters from A-Z a-z 0-9 . _ : -")
        }
        guard let authority = complianceAuthority else {
            throw PaymentError(
                .failedPrecondition,
                "KYC payouts are disabled: no compliance authority key is configured (compliance.authority_public_key)")
        }
        guard !kyc.complianceSignature.isEmpty else {
            throw .invalid("kyc.compliance_signature", "is required for KYC payouts")
        }
        guard kyc.notAfterUnixSeconds > 0 else {
            throw .invalid("kyc.not_after_unix_seconds", "is required: the approval's expiry in Unix seconds (UTC)")
        }
        let latest = Int64(now.timeIntervalSince1970.rounded(.down)) + KYCApproval.maximumLifetimeSeconds
        guard kyc.notAfterUnixSeconds <= latest else {
            throw .invalid(
                "kyc.not_after_unix_seconds",
                "is more than 30 days ahead of the server's clock (\(kyc.notAfterUnixSeconds) > \(latest)); approvals live at most 30 days"
            )
        }
        let text = KYCApproval.canonicalText(
            domain: approval, recipient: draft.recipient, amountUnits: draft.amountUnits, nodeID: kyc.nodeID,
            kycHash: kyc.hash, notAfterUnixSeconds: kyc.notAfterUnixSeconds)
        guard authority.verifies(signatureBase64: kyc.complianceSignature, over: text) else {
            throw .invalid(
                "kyc.compliance_signature",
                "is not a valid Ed25519 signature of the compliance authority over this payout's approval text")
        }
        let use = KYCApprovalUse(canonicalText: text, notAfterUnixSeconds: kyc.notAfterUnixSeconds)
        return (kyc.nodeID, kyc.hash.lowercased(), use)
    }

    static func isValidNodeID(_ text: String) -> Bool {
        (1...128).contains(text.utf8.count)
            && text.utf8.allSatisfy { byte in
                (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
                    || byte == 46 || byte == 95 || byte == 58 || byte == 45
            }
    }
}
