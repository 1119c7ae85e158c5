import Crypto
import TronKit

/// A digest of a create request's content, stored with its idempotency key: a repeat with the same key must carry
/// the same fingerprint, or it is a different request reusing the key.
public enum RequestFingerprint {
    /// The fingerprint of a single payout request, 64 hex characters. `priority` is the one the payout gets (the
    /// caller defaults an omitted one to IMMEDIATE first), so omitting it and sending IMMEDIATE are one request.
    public static func payout(_ draft: PayoutDraft, priority: Priority?) -> String {
        digest(["payout", priority?.rawValue ?? ""] + fields(of: draft))
    }

    /// The fingerprint of a batch request (its type, item count and every item in order), 64 hex characters.
    public static func batch(_ items: [PayoutDraft], batchType: Priority?) -> String {
        digest(["batch", batchType?.rawValue ?? "", String(items.count)] + items.flatMap(fields(of:)))
    }

    private static func fields(of draft: PayoutDraft) -> [String] {
        // not_after only when an attestation is present, so the fingerprints of non-KYC requests stored before it
        // existed still match their replays.
        [
            draft.recipient, String(draft.amountUnits), draft.reason, draft.router?.rawValue ?? "",
            draft.kyc.map { $0.verified ? "1" : "0" } ?? "", draft.kyc?.hash ?? "", draft.kyc?.nodeID ?? "",
            draft.kyc?.complianceSignature ?? "",
        ] + (draft.kyc.map { ["not_after:\($0.notAfterUnixSeconds)"] } ?? [])
    }

    /// Length-prefixed fields, so no two field lists share an encoding.
    static func digest(_ fields: [String]) -> String {
        var hasher = SHA256()
        for field in fields {
            let bytes = Array(field.utf8)
            hasher.update(data: withUnsafeBytes(of: UInt32(bytes.count).bigEndian, Array.init))
            hasher.update(data: bytes)
        }
        return Hex.encode(hasher.finalize())
    }
}
