/// A refusal or failure of the payout domain, with a message that says what was wrong and how to fix it.
///
/// The server maps `code` to a gRPC status in one place (`PaymentError+RPCError.swift` in PaymentRPC).
/// Messages never contain secrets: keys and signatures are described, never echoed.
public struct PaymentError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of refusal; each maps to one gRPC status code.
    public enum Code: String, Sendable, Equatable {
        /// A request field is malformed or out of range (`field` names it).
        case invalidArgument
        /// The named payout or batch does not exist.
        case notFound
        /// The request conflicts with stored state (idempotency key reuse, cancelling a signed payout).
        case failedPrecondition
        /// A daily or hourly limit would be exceeded (`limit` names it).
        case resourceExhausted
        /// Payouts are refused for now (circuit breaker open, store unreachable).
        case unavailable
        /// A fault of ours; the message is safe to show.
        case `internal`
    }

    /// Which kind of refusal this is; decides the gRPC status and the HTTP status at the edges.
    public var code: Code
    /// The full message, starting with the field path when there is one.
    public var message: String
    /// The request field at fault, as a path (`items[3].amount_units`).
    public var field: String?
    /// The limit that would be exceeded ("daily" or "hourly"), sent as `x-lucid-error-limit`; nil otherwise.
    public var limit: String?

    /// Makes an error. A `field` is put in front of `message` ("amount_units: must be …") and also kept apart for
    /// the `x-lucid-error-field` metadata; `limit` ("daily", "hourly") goes to `x-lucid-error-limit`.
    public init(_ code: Code, _ message: String, field: String? = nil, limit: String? = nil) {
        self.code = code
        self.field = field
        self.limit = limit
        self.message = field.map { "\($0): \(message)" } ?? message
    }

    /// "<code>: <message>", for logs; the message is safe to show callers.
    public var description: String { "\(code.rawValue): \(message)" }

    /// A malformed field.
    public static func invalid(_ field: String, _ message: String) -> PaymentError {
        PaymentError(.invalidArgument, message, field: field)
    }

    /// The same error with its field path placed under `prefix` (`items[3]`).
    public func nested(under prefix: String) -> PaymentError {
        guard let field else { return self }
        let message = String(self.message.dropFirst(field.count + 2))
        return PaymentError(code, message, field: "\(prefix).\(field)", limit: limit)
    }
}
