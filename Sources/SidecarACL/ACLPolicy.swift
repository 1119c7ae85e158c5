/// One rule of a plane ACL.
public struct ACLRule: Sendable, Equatable {
    /// What a matching rule decides: `allow` lets the call through; `deny` refuses it and beats every allow.
    public enum Action: String, Sendable { case allow, deny }
    /// `enforce` rules decide calls; `shadow` rules are only matched, logged and counted (to try a rule out).
    public enum Mode: String, Sendable { case enforce, shadow }

    /// The rule's name from `rule "<name>"`: non-empty, unique in its file; used as the `rule` metric label.
    public var name: String
    /// The caller's plane to match (`source_plane`), a name with `*` globs; `*` (any) when not set.
    public var sourcePlane = "*"
    /// The caller's service to match (`source_service`), with `*` globs; `*` when not set.
    public var sourceService = "*"
    /// The called plane to match (`target_plane`): the plane of the service behind this sidecar; `*` when not set.
    public var targetPlane = "*"
    /// The called service to match (`target_service`), with `*` globs; `*` when not set.
    public var targetService = "*"
    /// gRPC paths (`/package.Service/Method`) with `*` globs.
    public var methods: [String] = ["*"]
    /// Allow or deny (`action`, required).
    public var action: Action = .deny
    /// Why the rule exists (`reason`), shown in denials and by `beta-sidecar acl check`; optional.
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
    /// The caller's plane, from its certificate's SPIFFE URI (`spiffe://<trust domain>/plane/<plane>/service/…`).
    public var sourcePlane: String
    /// The caller's service, from the same URI.
    public var sourceService: String
    /// The plane of the service behind this sidecar (its configuration).
    public var targetPlane: String
    /// The service behind this sidecar (its configuration).
    public var targetService: String
    /// The gRPC method path called, `/package.Service/Method`.
    public var method: String

    /// A call as the proxy sees it, or as a cases file or `acl check` describes it.
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
    /// Whether the call may proceed: an enforced allow rule matched and no enforced deny rule did.
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
    /// The rules in file order; order decides which rule is reported (the first enforced deny, else the first
    /// enforced allow) and whose `mayAssertUser` counts.
    public var rules: [ACLRule]

    /// A policy from parsed (or test-built) rules; names are not checked for uniqueness here.
    public init(rules: [ACLRule]) { self.rules = rules }

    /// Decides a call: the first matching enforced deny refuses it, else the first matching enforced allow allows
    /// it, else it is refused by default. Shadow rules never change the outcome; they are returned in `matched`.
    /// Pure and cheap: the proxy calls it for every RPC.
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
    /// Whether `text` matches `pattern`, compared byte by byte (UTF-8), with no escape for a literal `*`.
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
