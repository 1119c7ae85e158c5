import Foundation

/// Parses the plane ACL language:
///
///     rule "gateway_to_payment" {
///       source_plane = "ops"
///       source_service = "api-gateway"
///       target_plane = "wallet"
///       target_service = "tron-payment"
///       allowed_methods = ["/lucid.payment.v1.PaymentService/*"]   # or allowed_endpoints
///       action = "allow"               # or "deny"
///       reason = "why"                 # optional
///       may_assert_user = true         # optional, allow rules only
///       mode = "shadow"                # optional: evaluated and logged, not enforced
///     }
///
/// Unknown keys, duplicates and egress rules (`target`, `via`) are errors naming file, line and column.
public enum ACLParser {
    static let keys = [
        "source_plane", "source_service", "target_plane", "target_service", "allowed_methods", "allowed_endpoints",
        "action", "reason", "may_assert_user", "mode",
    ]

    /// Reads and parses a policy file. Throws `ACLError` at 0:0 when the file cannot be read, else as `parse(_:file:)`.
    /// Called by the sidecar at start (a bad policy stops it) and on every reload (a bad one keeps the last good).
    public static func parse(file path: String) throws(ACLError) -> ACLPolicy {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ACLError(
                file: path, position: SourcePosition(line: 0, column: 0), message: "cannot read the policy file")
        }
        return try parse(String(decoding: data, as: UTF8.self), file: path)
    }

    /// Parses policy text; `file` only names it in errors. Throws `ACLError` at the first lexical or syntax error,
    /// unknown or repeated key, bad value, rule without action, allow rule without methods, or duplicate rule name.
    public static func parse(_ text: String, file: String) throws(ACLError) -> ACLPolicy {
        var lexer = ACLLexer(text: text, file: file)
        var stream = TokenStream(tokens: try lexer.tokens(), file: file)
        var rules: [ACLRule] = []
        while stream.peek.0 != .end {
            let rule = try parseRule(&stream)
            if let earlier = rules.first(where: { $0.name == rule.name }) {
                throw ACLError(
                    file: file, position: rule.position,
                    message: "rule \"\(rule.name)\" is already defined at \(earlier.position)")
            }
            rules.append(rule)
        }
        return ACLPolicy(rules: rules)
    }

    private static func parseRule(_ stream: inout TokenStream) throws(ACLError) -> ACLRule {
        let start = try stream.expectIdentifier("rule")
        let name = try stream.expectString(what: "a rule name in quotes")
        guard !name.isEmpty else { throw stream.error(at: start, "a rule name must not be empty") }
        var rule = ACLRule(name: name, position: start)
        try stream.expectSymbol("{")
        var seen: [String: SourcePosition] = [:]
        var hasAction = false, hasMethods = false
        while true {
            let (token, position) = stream.next()
            if token == .symbol("}") { break }
            guard case .identifier(let key) = token else {
                throw stream.error(at: position, "expected a key or '}', found \(token.shown)")
            }
            if key == "target" || key == "via" {
                throw stream.error(
                    at: position, "egress rules ('\(key)') are not supported yet; only plane-to-plane rules are")
            }
            guard keys.contains(key) else {
                throw stream.error(
                    at: position, "unknown key '\(key)'; expected one of \(keys.joined(separator: ", "))")
            }
            let canonical = key == "allowed_endpoints" ? "allowed_methods" : key
            if let earlier = seen[canonical] {
                throw stream.error(at: position, "'\(key)' is already set at \(earlier)")
            }
            seen[canonical] = position
            try stream.expectSymbol("=")
            switch canonical {
            case "source_plane": rule.sourcePlane = try stream.expectName()
            case "source_service": rule.sourceService = try stream.expectName()
            case "target_plane": rule.targetPlane = try stream.expectName()
            case "target_service": rule.targetService = try stream.expectName()
            case "allowed_methods":
                rule.methods = try stream.expectList()
                for method in rule.methods where !(method == "*" || method.hasPrefix("/")) {
                    throw stream.error(
                        at: position,
                        "method \"\(method)\" must be a gRPC path like \"/package.Service/Method\" (globs allowed)")
                }
                hasMethods = true
            case "action":
                let (text, valuePosition) = try stream.expectStringWithPosition()
                guard let action = ACLRule.Action(rawValue: text) else {
                    throw stream.error(at: valuePosition, "expected \"allow\" or \"deny\", found \"\(text)\"")
                }
                rule.action = action
                hasAction = true
            case "reason": rule.reason = try stream.expectString(what: "a reason in quotes")
            case "may_assert_user": rule.mayAssertUser = try stream.expectBool()
            case "mode":
                let (text, valuePosition) = try stream.expectStringWithPosition()
                guard let mode = ACLRule.Mode(rawValue: text) else {
                    throw stream.error(at: valuePosition, "expected \"enforce\" or \"shadow\", found \"\(text)\"")
                }
                rule.mode = mode
            default: break
            }
        }
        guard hasAction else {
            throw stream.error(at: start, "rule \"\(name)\" has no action; expected action = \"allow\" or \"deny\"")
        }
        if rule.action == .allow && !hasMethods {
            throw stream.error(
                at: start,
                "allow rule \"\(name)\" names no methods; expected allowed_methods = [\"/package.Service/Method\", …]")
        }
        if rule.mayAssertUser && rule.action == .deny {
            throw stream.error(at: seen["may_assert_user"]!, "may_assert_user only makes sense on allow rules")
        }
        return rule
    }
}

/// A cursor over tokens with error helpers.
struct TokenStream {
    let tokens: [(ACLToken, SourcePosition)]
    let file: String
    var index = 0

    var peek: (ACLToken, SourcePosition) { tokens[index] }

    mutating func next() -> (ACLToken, SourcePosition) {
        let token = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    func error(at position: SourcePosition, _ message: String) -> ACLError {
        ACLError(file: file, position: position, message: message)
    }

    mutating func expectIdentifier(_ word: String) throws(ACLError) -> SourcePosition {
        let (token, position) = next()
        guard token == .identifier(word) else { throw error(at: position, "expected '\(word)', found \(token.shown)") }
        return position
    }

    mutating func expectSymbol(_ symbol: Character) throws(ACLError) {
        let (token, position) = next()
        guard token == .symbol(symbol) else { throw error(at: position, "expected '\(symbol)', found \(token.shown)") }
    }

    mutating func expectString(what: String) throws(ACLError) -> String {
        let (token, position) = next()
        guard case .string(let text) = token else {
            throw error(at: position, "expected \(what), found \(token.shown)")
        }
        return text
    }

    mutating func expectStringWithPosition() throws(ACLError) -> (String, SourcePosition) {
        let (token, position) = next()
        guard case .string(let text) = token else {
            throw error(at: position, "expected a string in quotes, found \(token.shown)")
        }
        return (text, position)
    }

    /// A plane or service name (globs allowed): letters, digits, '-', '_', '.', '*'.
    mutating func expectName() throws(ACLError) -> String {
        let (text, position) = try expectStringWithPosition()
        guard !text.isEmpty, text.allSatisfy({ $0.isLetter || $0.isNumber || "-_.*".contains($0) }) else {
            throw error(at: position, "expected a name of letters, digits, '-', '_', '.' or '*', found \"\(text)\"")
        }
        return text
    }

    mutating func expectBool() throws(ACLError) -> Bool {
        let (token, position) = next()
        switch token {
        case .identifier("true"): return true
        case .identifier("false"): return false
        default: throw error(at: position, "expected true or false, found \(token.shown)")
        }
    }

    mutating func expectList() throws(ACLError) -> [String] {
        try expectSymbol("[")
        var items: [String] = []
        while true {
            let (token, position) = next()
            switch token {
            case .symbol("]"):
                guard !items.isEmpty else { throw error(at: position, "expected at least one method in the list") }
                return items
            case .string(let text):
                items.append(text)
                let (after, afterPosition) = next()
                if after == .symbol("]") { return items }
                guard after == .symbol(",") else {
                    throw error(at: afterPosition, "expected ',' or ']', found \(after.shown)")
                }
            default:
                throw error(at: position, "expected a method in quotes or ']', found \(token.shown)")
            }
        }
    }
}
