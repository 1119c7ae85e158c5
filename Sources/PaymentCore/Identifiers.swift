/// Ids and keys: their formats and strict parsing.
public enum Identifier {
    /// Payout ids: "po_" + 32 lowercase hex characters.
    public static let payoutPrefix = "po_"
    /// Batch ids: "bt_" + 32 lowercase hex characters.
    public static let batchPrefix = "bt_"

    /// A new id: `prefix` + 32 lowercase hex characters (128 bits from `generator`; the server passes
    /// `SystemRandomNumberGenerator`; tests may pass a seeded one).
    public static func make(prefix: String, using generator: inout some RandomNumberGenerator) -> String {
        let hex = Array("0123456789abcdef")
        return prefix + String((0..<32).map { _ in hex[Int(generator.next() % 16)] })
    }

    /// Whether `text` is `prefix` followed by exactly 32 lowercase hex characters.
    public static func isWellFormed(_ text: String, prefix: String) -> Bool {
        guard text.hasPrefix(prefix) else { return false }
        let rest = text.utf8.dropFirst(prefix.utf8.count)
        return rest.count == 32 && rest.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// Throws INVALID_ARGUMENT naming `field` when `text` is empty or not "po_" + 32 lowercase hex characters;
    /// called before any ledger lookup by id.
    public static func validatePayoutID(_ text: String, field: String = "payout_id") throws(PaymentError) {
        guard !text.isEmpty else { throw .invalid(field, "is required") }
        guard isWellFormed(text, prefix: payoutPrefix) else {
            throw .invalid(field, "must be \"po_\" followed by 32 lowercase hex characters")
        }
    }

    /// Throws INVALID_ARGUMENT naming `field` when `text` is empty or not "bt_" + 32 lowercase hex characters;
    /// called before any ledger lookup by id.
    public static func validateBatchID(_ text: String, field: String = "batch_id") throws(PaymentError) {
        guard !text.isEmpty else { throw .invalid(field, "is required") }
        guard isWellFormed(text, prefix: batchPrefix) else {
            throw .invalid(field, "must be \"bt_\" followed by 32 lowercase hex characters")
        }
    }

    /// Validates an idempotency key: 1-255 printable ASCII characters (0x21-0x7E).
    public static func validateIdempotencyKey(_ text: String, field: String = "idempotency_key") throws(PaymentError) {
        guard !text.isEmpty else { throw .invalid(field, "is required: send a unique key per intended payout") }
        guard text.utf8.count <= 255 else { throw .invalid(field, "must be at most 255 characters") }
        guard text.utf8.allSatisfy({ (0x21...0x7e).contains($0) }) else {
            throw .invalid(field, "must be printable ASCII without spaces")
        }
    }
}
