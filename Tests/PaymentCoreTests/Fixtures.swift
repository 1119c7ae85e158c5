import Crypto
import Foundation
import PaymentCore
import TronKit

/// Shared test values.
enum Fixture {
    static let usdtContract = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
    static let recipient = "TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf"
    static let trusted = "TG3XXyExBkPp9nzdajDZsozEu4BkaSJozs"
    static let kycHash = String(repeating: "ab", count: 32)
    static let authorityKey = Curve25519.Signing.PrivateKey()

    static var policy: PayoutPolicy {
        PayoutPolicy(
            maxPerPayout: [.v0: USDT.units(100), .kyc: USDT.units(1_000), .direct: USDT.units(500)],
            directAllowlist: [try! TronAddress(base58: trusted)],
            complianceAuthority: ComplianceAuthority(publicKey: authorityKey.publicKey))
    }

    /// The clock the policy tests validate at.
    static let now = date("2026-11-22T10:15:00Z")
    /// A day after `now`: a valid `not_after`.
    static let notAfter = Int64(now.timeIntervalSince1970) + 86_400

    /// A KYC attestation signed by the test authority for exactly this payout (a single payout by default).
    static func kyc(
        key: String, recipient: String = recipient, amount: Int64, nodeID: String = "node-7",
        domain: KYCApproval.Domain? = nil, notAfter: Int64 = notAfter
    ) -> KYCAttestation {
        let text = KYCApproval.canonicalText(
            domain: domain ?? .payout(idempotencyKey: key), recipient: recipient, amountUnits: amount, nodeID: nodeID,
            kycHash: kycHash, notAfterUnixSeconds: notAfter)
        let signature = try! authorityKey.signature(for: Data(text.utf8)).base64EncodedString()
        return KYCAttestation(
            verified: true, hash: kycHash, nodeID: nodeID, complianceSignature: signature, notAfterUnixSeconds: notAfter
        )
    }

    static func date(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }
}
