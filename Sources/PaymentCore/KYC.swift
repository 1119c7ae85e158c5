import Crypto
import Foundation
import TronKit

/// The KYC attestation a KYC payout carries (fields as sent; checked by `PayoutPolicy`).
public struct KYCAttestation: Sendable, Equatable {
    /// The compliance authority verified the recipient.
    public var verified: Bool
    /// SHA-256 of the recipient's KYC record, 64 hex characters.
    public var hash: String
    /// The node operator's node id.
    public var nodeID: String
    /// Base64 Ed25519 signature over `KYCApproval.canonicalText`.
    public var complianceSignature: String

    public init(verified: Bool, hash: String, nodeID: String, complianceSignature: String) {
        self.verified = verified
        self.hash = hash
        self.nodeID = nodeID
        self.complianceSignature = complianceSignature
    }
}

/// The text the compliance authority signs to approve one KYC payout (documented on `KycAttestation` in
/// proto/lucid/payment/v1/payment.proto). Binding the idempotency key makes one approval pay one payout.
public enum KYCApproval {
    /// The first line, naming the purpose so a signature cannot be reused for another protocol.
    public static let header = "lucid.payment.v1.kyc-approval"

    /// The canonical text: lines joined by "\n", no trailing newline.
    public static func canonicalText(
        idempotencyKey: String, recipient: String, amountUnits: Int64, nodeID: String, kycHash: String
    ) -> String {
        [
            header,
            "idempotency_key:\(idempotencyKey)",
            "recipient_address:\(recipient)",
            "amount_units:\(amountUnits)",
            "node_id:\(nodeID)",
            "kyc_hash:\(kycHash.lowercased())",
        ].joined(separator: "\n")
    }
}

/// The compliance authority's Ed25519 public key, which KYC approvals must verify against.
public struct ComplianceAuthority: Sendable {
    public let publicKey: Curve25519.Signing.PublicKey

    public init(publicKey: Curve25519.Signing.PublicKey) { self.publicKey = publicKey }

    /// Parses a 32-byte raw Ed25519 public key given as 64 hex characters or base64.
    public init(encoded text: String) throws(PaymentError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let raw = Hex.decode(trimmed) ?? Data(base64Encoded: trimmed).map { [UInt8]($0) }
        guard let raw, raw.count == 32, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
            throw PaymentError(.invalidArgument, "must be a 32-byte Ed25519 public key in hex (64 characters) or base64")
        }
        self.publicKey = key
    }

    /// Whether `signatureBase64` is this authority's signature over `text`.
    public func verifies(signatureBase64: String, over text: String) -> Bool {
        guard let signature = Data(base64Encoded: signatureBase64), signature.count == 64 else { return false }
        return publicKey.isValidSignature(signature, for: Data(text.utf8))
    }
}
