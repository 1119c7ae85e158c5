// The runtime of the generated request checks (Generated/*.constraints.swift): what a violation is and the checks
// the generated code calls. Hand-written; the rules themselves are declared in the proto files.

/// A request field that breaks a constraint declared on it in the proto (`(lucid.api.v1.field)`).
public struct FieldConstraintViolation: Error, Sendable, Equatable, CustomStringConvertible {
    /// The field's path in the request, proto names: `items[3].recipient_address`.
    public var field: String
    /// What is wrong, without the path: "must be at most 34 characters, got 200000".
    public var message: String

    /// A violation; the generated checks build it only once a check has failed. PaymentRPC's
    /// `RequestConstraintsInterceptor` turns it into INVALID_ARGUMENT naming the field (`x-lucid-error-field`).
    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    /// "<field>: <message>", the same text the INVALID_ARGUMENT it becomes carries.
    public var description: String { "\(field): \(message)" }
}

/// A request message with generated constraint checks.
public protocol ConstraintChecked: Sendable {
    /// Throws the first violated constraint: lengths, counts and presence of the whole request first, then
    /// patterns and ranges, so no pattern runs on a string longer than its field allows.
    func checkConstraints() throws(FieldConstraintViolation)
}

/// The checks the generated code calls. Field paths are built only when a check fails.
enum FieldCheck {
    /// A string's length in characters (Unicode code points, as JSON Schema counts them). Over-long strings are
    /// refused from their UTF-8 size alone when that suffices (a code point is 1 to 4 bytes), so a megabyte is
    /// never scanned.
    static func length(
        _ value: String, min: Int?, max: Int?, required: Bool, field: @autoclosure () -> String
    ) throws(FieldConstraintViolation) {
        let bytes = value.utf8.count
        if required, bytes == 0 { throw FieldConstraintViolation(field: field(), message: "is required") }
        if let max, bytes > max {
            if bytes > 4 * max {
                throw FieldConstraintViolation(
                    field: field(), message: "must be at most \(max) characters, got more than \(4 * max)")
            }
            let count = value.unicodeScalars.count
            if count > max {
                throw FieldConstraintViolation(
                    field: field(), message: "must be at most \(max) characters, got \(count)")
            }
        }
        if let min, bytes < 4 * min {
            let count = value.unicodeScalars.count
            if count < min {
                throw FieldConstraintViolation(
                    field: field(), message: "must be at least \(min) characters, got \(count)")
            }
        }
    }

    /// The number of items of a repeated field.
    static func count(
        _ count: Int, min: Int?, max: Int?, required: Bool, field: @autoclosure () -> String
    ) throws(FieldConstraintViolation) {
        if required, count == 0 {
            throw FieldConstraintViolation(field: field(), message: "is required: give at least one item")
        }
        if let max, count > max {
            throw FieldConstraintViolation(field: field(), message: "must hold at most \(max) items, got \(count)")
        }
        if let min, count < min {
            throw FieldConstraintViolation(field: field(), message: "must hold at least \(min) items, got \(count)")
        }
    }

    /// A required message field.
    static func present(_ has: Bool, field: @autoclosure () -> String) throws(FieldConstraintViolation) {
        if !has { throw FieldConstraintViolation(field: field(), message: "is required") }
    }

    /// An integer (or an enum's number) within its range.
    static func number(
        _ value: Int64, min: Int64?, max: Int64?, required: Bool, field: @autoclosure () -> String
    ) throws(FieldConstraintViolation) {
        if required, value == 0 { throw FieldConstraintViolation(field: field(), message: "is required") }
        if let min, value < min {
            let range = max.map { "between \(min) and \($0)" } ?? "at least \(min)"
            throw FieldConstraintViolation(field: field(), message: "must be \(range), got \(value)")
        }
        if let max, value > max {
            let range = min.map { "between \($0) and \(max)" } ?? "at most \(max)"
            throw FieldConstraintViolation(field: field(), message: "must be \(range), got \(value)")
        }
    }

    /// A string matching its field's pattern as a whole.
    static func pattern(_ value: String, _ pattern: FieldPattern, field: @autoclosure () -> String)
        throws(FieldConstraintViolation)
    {
        if !pattern.matches(value) {
            throw FieldConstraintViolation(field: field(), message: "must match \(pattern.source)")
        }
    }
}

/// A declared pattern, compiled once, matched on Unicode scalars against the whole string (as JSON Schema and
/// Python match the OpenAPI document's `pattern`).
final class FieldPattern: @unchecked Sendable {
    // Regex is an immutable value; matching shares nothing mutable, so one instance serves every thread.
    let source: String
    private let regex: Regex<AnyRegexOutput>

    init(_ source: String) {
        self.source = source
        // The generator compiled the same text before writing it, so this cannot fail.
        self.regex = try! Regex(source).matchingSemantics(.unicodeScalar)
    }

    func matches(_ value: String) -> Bool { (try? regex.wholeMatch(in: value)) != nil }
}
