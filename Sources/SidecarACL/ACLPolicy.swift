/// One rule of a plane ACL.
public struct ACLRule: Sendable, Equatable {
    public enum Action: String, Sendable { case allow, deny }
    public enum Mode: String, Sendable { case enforce, shadow }

    public var name: String
    public var sourcePlane = "*"
    public var sourceService = "*"
    public var targetPlane = "*"
    public var targetService = "*"
    /// gRPC paths (`/package.Service/Method`) with `*` globs.
    public var methods: [String] = ["*"]
    public var action: Action = .deny
    public var reason: String?
    /// Whether callers matching this allow rule may assert an end user (`x-lucid-user-*`).
    public var mayAssertUser = false
    /// Shadow rules are evaluated and reported, never enforced.
    public var mode: Mode = .enforce
    /// Where the rule starts in its file.
    public var position: SourcePosition

    func matches(_ call: ACLCall) -> Bool {
        Glob.matches(sourcePlane, call.sourcePlane) && Glob.matches(sourceService, call.sourceService)
            && Glob.matches(targetPlane, call.targetPlane) && Glob.matches(targetService, call.targetService)
            && methods.contains { Glob.matches($0, call.method) }
    }
}

/// A call to decide: who calls whom, which method.
public struct ACLCall: Sendable, Equatable {
    public var sourcePlane: String
    public var sourceService: String
    public var targetPlane: String
    public var targetService: String
    public var method: String

    public init(sourcePlane: String, sourceService: String, targetPlane: String, targetService: String, method: String)
    {
        self.sourcePlane = sourcePlane
        self.sourceService = sourceService
        self.targetPlane = targetPlane
        self.targetService = targetService
        self.method = method
    }
}

/// The decision on a call and how it was reached.
public struct ACLDecision: Sendable, Equatable {
    public var allowed: Bool
    /// The enforced rule that decided, nil for the default deny.
    public var decidingRule: ACLRule?
    /// Every rule that matched, shadow ones included, in file order.
    public var matched: [ACLRule]
    /// Whether the caller may assert an end user (only when allowed by a rule that says so).
    public var mayAssertUser: Bool

    /// "rule \"name\"" or "default deny", for messages.
    public var ruleDescription: String {
        decidingRule.map { "rule \"\($0.name)\"" + ($0.reason.map { ": \($0)" } ?? "") }
            ?? "default deny: no rule allows this call"
    }
}

/// A parsed plane ACL: default deny; a matching enforced deny beats any allow.
public struct ACLPolicy: Sendable, Equatable {
    public var rules: [ACLRule]

    public init(rules: [ACLRule]) { self.rules = rules }

    public func decide(_ call: ACLCall) -> ACLDecision {
        let matched = rules.filter { $0.matches(call) }
        let enforced = matched.filter { $0.mode == .enforce }
        if let deny = enforced.first(where: { $0.action == .deny }) {
            return ACLDecision(allowed: false, decidingRule: deny, matched: matched, mayAssertUser: false)
        }
        if let allow = enforced.first(where: { $0.action == .allow }) {
            return ACLDecision(allowed: true, decidingRule: allow, matched: matched, mayAssertUser: allow.mayAssertUser)
        }
        return ACLDecision(allowed: false, decidingRule: nil, matched: matched, mayAssertUser: false)
    }
}

/// `*` matches any run of characters (including none); everything else matches itself.
public enum Glob {
    public static func matches(_ pattern: String, _ text: String) -> Bool {
        let pattern = Array(pattern.utf8)
        let text = Array(text.utf8)
        var p = 0, t = 0, star = -1, mark = 0
        while t < text.count {
            if p < pattern.count, pattern[p] != UInt8(ascii: "*"), pattern[p] == text[t] {
                p += 1
                t += 1
            } else if p < pattern.count, pattern[p] == UInt8(ascii: "*") {
                star = p
                mark = t
                p += 1
            } else if star >= 0 {
                p = star + 1
                mark += 1
                t = mark
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }
}
