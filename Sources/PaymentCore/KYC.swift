import Crypto
import Foundation
import TronKit

/// The KYC attestation a KYC payout carries (fields as sent; checked by `PayoutPolicy`).
public struct KYCAttestation: Sendable, Equatable {
    /// The compliance authority verified the recipient.
    public var verified: Bool
    /// SHA-256 of the recipient's KYC record, 64 hex characters.
    public var hash: String
    /// The node operator's node id: 1-128 characters from A-Z a-z 0-9 . _ : - (checked by `PayoutPolicy`).
    public var nodeID: String
    /// Base64 Ed25519 signature over `KYCApproval.canonicalText`.
    public var complianceSignature: String
    /// The last instant (Unix seconds, UTC) at which the approval may be accepted; 0 when not sent.
    public var notAfterUnixSeconds: Int64

    /// The attestation as the request carries it; nothing is checked here (`PayoutPolicy.validate` does).
    public init(
        verified: Bool, hash: String, nodeID: String, complianceSignature: String, notAfterUnixSeconds: Int64 = 0
    ) {
        self.verified = verified
        self.hash = hash
        self.nodeID = nodeID
        self.complianceSignature = complianceSignature
        self.notAfterUnixSeconds = notAfterUnixSeconds
    }
}

/// The text the compliance authority signs to approve one KYC payout (documented on `KycAttestation` in
/// proto/lucid/payment/v1/payment.proto). The domain line and the idempotency key make one approval fit one payout
/// only (a single payout's approval never verifies for a batch item and back); the ledger then refuses a second use
/// of the same text by anyone (`KYCApprovalUse.digest`), and `not_after` bounds how long an approval stays usable.
public enum KYCApproval {
    /// The first line, naming the purpose and version so a signature cannot be reused for another protocol or for
    /// the earlier text (which had no domain and no expiry).
    public static let header = "lucid.payment.v1.kyc-approval.v2"
    /// The longest an approval may stay valid, counted from acceptance: 30 days.
    public static let maximumLifetimeSeconds: Int64 = 30 * 86_400

    /// What an approval approves: a single payout, or one item of a batch.
    public enum Domain: Sendable, Equatable {
        /// CreatePayout with this idempotency key.
        case payout(idempotencyKey: String)
        /// Item `index` (from 0) of CreateBatch with this batch idempotency key.
        case batchItem(batchIdempotencyKey: String, index: Int)

        /// The `domain:` line's value.
        var tag: String {
            switch self {
            case .payout: "payout"
            case .batchItem(_, let index): "batch_item:\(index)"
            }
        }

        /// The request's idempotency key (the batch's for batch items).
        var idempotencyKey: String {
            switch self {
            case .payout(let key), .batchItem(let key, _): key
            }
        }
    }

    /// The canonical text: lines joined by "\n", no trailing newline.
    public static func canonicalText(
        domain: Domain, recipient: String, amountUnits: Int64, nodeID: String, kycHash: String,
        notAfterUnixSeconds: Int64
    ) -> String {
        [
            header,
            "domain:\(domain.tag)",
            "idempotency_key:\(domain.idempotencyKey)",
            "recipient_address:\(recipient)",
            "amount_units:\(amountUnits)",
            "node_id:\(nodeID)",
            "kyc_hash:\(kycHash.lowercased())",
            "not_after:\(notAfterUnixSeconds)",
        ].joined(separator: "\n")
    }
}

/// An accepted KYC approval as the ledger records it: one digest may be used by one payout, ever.
public struct KYCApprovalUse: Sendable, Equatable {
    /// SHA-256 of the canonical signed text, 64 lowercase hex characters.
    public var digest: String
    /// The last instant the approval may be accepted.
    public var notAfter: Date

    /// A use with an already computed digest (the ledger reading its records, tests).
    public init(digest: String, notAfter: Date) {
        self.digest = digest
        self.notAfter = notAfter
    }

    /// The use of the approval whose canonical text is `text`.
    public init(canonicalText text: String, notAfterUnixSeconds: Int64) {
        self.init(
            digest: Hex.encode(SHA256.hash(data: Data(text.utf8))),
            notAfter: Date(timeIntervalSince1970: TimeInterval(notAfterUnixSeconds)))
    }

    /// Refuses an approval accepted after its `not_after` (FAILED_PRECONDITION: a new approval is needed).
    public func requireUnexpired(at now: Date) throws(PaymentError) {
        guard now <= notAfter else {
            throw PaymentError(
                .failedPrecondition,
                "the KYC approval expired at \(Self.format(notAfter)) (now \(Self.format(now))); ask the compliance authority for a new one",
                field: "kyc.not_after_unix_seconds")
        }
    }

    static func format(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }
}

/// The compliance authority's Ed25519 public key, which KYC approvals must verify against.
public struct ComplianceAuthority: Sendable {
    /// The key every `compliance_signature` must verify against (`compliance.authority_public_key`).
    public let publicKey: Curve25519.Signing.PublicKey

    /// An authority from an already parsed key.
    public init(publicKey: Curve25519.Signing.PublicKey) { self.publicKey = publicKey }

    /// Parses a 32-byte raw Ed25519 public key given as 64 hex characters or base64.
    public init(encoded text: String) throws(PaymentError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let raw = Hex.decode(trimmed) ?? Data(base64Encoded: trimmed).map { [UInt8]($0) }
        guard let raw, raw.count == 32, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
            throw PaymentError(
                .invalidArgument, "must be a 32-byte Ed25519 public key in hex (64 characters) or base64")
        }
        self.publicKey = key
    }

    /// Whether `signatureBase64` is this authority's signature over `text`.
    public func verifies(signatureBase64: String, over text: String) -> Bool {
        guard let signature = Data(base64Encoded: signatureBase64), signature.count == 64 else { return false }
        return publicKey.isValidSignature(signature, for: Data(text.utf8))
    }
}
