import Foundation
import SidecarACL

/// What `beta-sidecar acl check` and `acl test` print: a decision explained, and a cases file run against a policy.
public enum ACLReport {
    /// The decision (`allow: rule "…"` or `deny: …`), whether an allowed caller may assert an end user, and every
    /// other rule that matched (shadow rules included) with its line.
    public static func explain(_ decision: ACLDecision) -> [String] {
        var lines = ["\(decision.allowed ? "allow" : "deny"): \(decision.ruleDescription)"]
        if decision.allowed { lines.append("may assert an end user: \(decision.mayAssertUser ? "yes" : "no")") }
        for rule in decision.matched where rule != decision.decidingRule {
            let mode = rule.mode == .shadow ? ", shadow" : ""
            lines.append(
                "also matched: rule \"\(rule.name)\" (\(rule.action.rawValue)\(mode), line \(rule.position.line))")
        }
        return lines
    }

    /// The cases in `file`, or nil when it cannot be read. - Throws: the positioned `ACLError` of a malformed case.
    public static func cases(file: String) throws(ACLError) -> [ACLCase]? {
        guard let data = FileManager.default.contents(atPath: file) else { return nil }
        return try ACLCase.parse(String(decoding: data, as: UTF8.self), file: file)
    }

    /// Decides every case with `policy`: one line per mismatch (`FILE:LINE: expected allow, got deny (…) for …`),
    /// then `N of M cases pass`; `failures` counts the mismatches.
    public static func run(_ policy: ACLPolicy, cases: [ACLCase], file: String) -> (lines: [String], failures: Int) {
        var lines: [String] = []
        for item in cases {
            let decision = policy.decide(item.call)
            guard decision.allowed != item.expectAllow else { continue }
            let call = item.call
            lines.append(
                "\(file):\(item.line): expected \(item.expectAllow ? "allow" : "deny"), "
                    + "got \(decision.allowed ? "allow" : "deny") (\(decision.ruleDescription)) for "
                    + "\(call.sourcePlane)/\(call.sourceService) → \(call.targetPlane)/\(call.targetService) "
                    + call.method)
        }
        let failures = lines.count
        lines.append("\(cases.count - failures) of \(cases.count) cases pass")
        return (lines, failures)
    }
}
