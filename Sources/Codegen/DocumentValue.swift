/// An ordered JSON/YAML value, so a document renders byte for byte the same every time.
public indirect enum DocumentValue: Sendable, Equatable {
    /// Members in the order they are rendered (no sorting, no duplicate check).
    case object([(String, DocumentValue)])
    /// Items in order.
    case array([DocumentValue])
    /// Always rendered double-quoted with JSON escapes, in JSON and YAML alike.
    case string(String)
    /// A plain number (lengths, limits); 64-bit proto integers are strings in the proto3 JSON mapping.
    case integer(Int)
    /// `true` or `false`.
    case bool(Bool)

    /// Equal when both render the same JSON, so member order matters.
    public static func == (lhs: DocumentValue, rhs: DocumentValue) -> Bool { lhs.json() == rhs.json() }

    /// Pretty JSON with two-space indentation.
    public func json(indent: String = "") -> String {
        let inner = indent + "  "
        switch self {
        case .object(let members):
            if members.isEmpty { return "{}" }
            return "{\n"
                + members.map { "\(inner)\(Self.quoted($0.0)): \($0.1.json(indent: inner))" }.joined(separator: ",\n")
                + "\n\(indent)}"
        case .array(let items):
            if items.isEmpty { return "[]" }
            return "[\n" + items.map { inner + $0.json(indent: inner) }.joined(separator: ",\n") + "\n\(indent)]"
        case .string(let text): return Self.quoted(text)
        case .integer(let number): return String(number)
        case .bool(let flag): return flag ? "true" : "false"
        }
    }

    /// Block YAML; strings are always double-quoted (JSON escapes are valid YAML).
    public func yaml() -> String { lines(indent: "").joined(separator: "\n") + "\n" }

    private func lines(indent: String) -> [String] {
        switch self {
        case .object(let members):
            if members.isEmpty { return ["\(indent){}"] }
            return members.flatMap { key, value -> [String] in
                let head = "\(indent)\(Self.quoted(key)):"
                if value.isScalarOrEmpty { return ["\(head) \(value.inlineYAML)"] }
                return [head] + value.lines(indent: indent + "  ")
            }
        case .array(let items):
            if items.isEmpty { return ["\(indent)[]"] }
            return items.flatMap { item -> [String] in
                if item.isScalarOrEmpty { return ["\(indent)- \(item.inlineYAML)"] }
                let nested = item.lines(indent: indent + "  ")
                return ["\(indent)- " + nested[0].dropFirst(indent.count + 2)] + nested.dropFirst()
            }
        default:
            return [indent + inlineYAML]
        }
    }

    private var isScalarOrEmpty: Bool {
        switch self {
        case .object(let members): members.isEmpty
        case .array(let items): items.isEmpty
        default: true
        }
    }

    private var inlineYAML: String {
        switch self {
        case .object: "{}"
        case .array: "[]"
        case .string(let text): Self.quoted(text)
        case .integer(let number): String(number)
        case .bool(let flag): flag ? "true" : "false"
        }
    }

    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 {
                    out += "\\u" + String(scalar.value, radix: 16).leftPadded(4)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

extension String {
    func leftPadded(_ length: Int) -> String { String(repeating: "0", count: max(0, length - count)) + self }
}
