import SwiftProtobufPluginLibrary

/// The rules of one request field, read from `(lucid.api.v1.field)` (proto/lucid/api/v1/constraints.proto):
/// declared once in the proto, rendered into the OpenAPI document and into the server's generated checks.
public struct FieldConstraints: Sendable, Equatable {
    /// Lengths in characters (Unicode code points).
    public var minLength: Int?
    /// At most this many characters (code points); required on every request string (`DescriptorReader`).
    public var maxLength: Int?
    /// An anchored regular expression the whole value must match.
    public var pattern: String?
    /// The smallest allowed value of an integer or enum field.
    public var minimum: Int64?
    /// The largest allowed value of an integer or enum field.
    public var maximum: Int64?
    /// The fewest items a repeated field may hold.
    public var minItems: Int?
    /// The most items a repeated field may hold; required on every repeated request field.
    public var maxItems: Int?
    /// The field must be given: a non-empty string, a non-zero integer or enum, at least one item, or a set message.
    /// The generated checks have no case for bool, bytes, float or double fields: there it is only documented.
    public var required = false
    /// An OpenAPI `format` for what no pattern can say (a checksum); stated in the document only.
    public var format: String?

    /// No rules: what a field without `(lucid.api.v1.field)` has.
    public init() {}

    /// Whether any rule is set.
    public var isEmpty: Bool { self == FieldConstraints() }

    /// Whether the rules hold anything checked before any pattern or range: a length, a count or presence.
    public var hasCheapRules: Bool {
        minLength != nil || maxLength != nil || minItems != nil || maxItems != nil || required
    }

    /// Whether the rules hold a pattern or a range.
    public var hasValueRules: Bool { pattern != nil || minimum != nil || maximum != nil }
}

extension FieldConstraints {
    /// Reads a field's rules and refuses ones that cannot mean anything for its type, naming the field.
    static func read(_ descriptor: FieldDescriptor) throws -> FieldConstraints {
        var constraints = FieldConstraints()
        guard descriptor.options.hasLucid_Api_V1_field else { return constraints }
        let rules = descriptor.options.Lucid_Api_V1_field
        if rules.hasMinLength { constraints.minLength = Int(rules.minLength) }
        if rules.hasMaxLength { constraints.maxLength = Int(rules.maxLength) }
        if rules.hasPattern { constraints.pattern = rules.pattern }
        if rules.hasMinimum { constraints.minimum = rules.minimum }
        if rules.hasMaximum { constraints.maximum = rules.maximum }
        if rules.hasMinItems { constraints.minItems = Int(rules.minItems) }
        if rules.hasMaxItems { constraints.maxItems = Int(rules.maxItems) }
        constraints.required = rules.required
        if rules.hasFormat { constraints.format = rules.format }
        try constraints.validate(for: descriptor)
        return constraints
    }

    func validate(for descriptor: FieldDescriptor) throws {
        func fail(_ text: String) -> DescriptorReader.Failure {
            DescriptorReader.Failure(description: "\(descriptor.fullName): (lucid.api.v1.field) \(text)")
        }
        let isString = descriptor.type == .string
        let isInteger: Bool
        switch descriptor.type {
        case .int32, .int64, .sint32, .sint64, .sfixed32, .sfixed64, .uint32, .uint64, .fixed32, .fixed64, .enum:
            isInteger = true
        default: isInteger = false
        }
        if minLength != nil || maxLength != nil || pattern != nil || format != nil, !isString {
            throw fail("min_length, max_length, pattern and format apply to string fields only")
        }
        if minimum != nil || maximum != nil, !isInteger {
            throw fail("minimum and maximum apply to integer fields only")
        }
        if minItems != nil || maxItems != nil, !descriptor.isRepeated {
            throw fail("min_items and max_items apply to repeated fields only")
        }
        if let pattern, !(pattern.hasPrefix("^") && pattern.hasSuffix("$")) {
            throw fail("pattern \"\(pattern)\" must be anchored with ^ and $")
        }
        if let pattern, (try? Regex(pattern)) == nil {
            throw fail("pattern \"\(pattern)\" is not a valid regular expression")
        }
        if let minLength, let maxLength, minLength > maxLength { throw fail("min_length is above max_length") }
        if let minimum, let maximum, minimum > maximum { throw fail("minimum is above maximum") }
        if let minItems, let maxItems, minItems > maxItems { throw fail("min_items is above max_items") }
    }
}
