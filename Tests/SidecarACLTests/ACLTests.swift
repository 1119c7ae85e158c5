import Foundation
import Testing

@testable import SidecarACL

@Suite("Plane ACL language")
struct ACLTests {
    static let shipped: String = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../acl/wallet_plane.acl")
        return try! String(contentsOf: url, encoding: .utf8)
    }()

    func call(_ from: String, _ to: String, _ method: String) -> ACLCall {
        let source = ACLCase.endpoint(from)!, target = ACLCase.endpoint(to)!
        return ACLCall(
            sourcePlane: source.0, sourceService: source.1, targetPlane: target.0, targetService: target.1,
            method: method)
    }

    @Test("the shipped wallet policy decides the seed's cases")
    func shippedPolicy() throws {
        let policy = try ACLParser.parse(Self.shipped, file: "wallet_plane.acl")
        let allowed = policy.decide(
            call("ops/api-gateway", "wallet/tron-payment", "/lucid.payment.v1.PaymentService/CreatePayout"))
        #expect(allowed.allowed && allowed.decidingRule?.name == "gateway_to_payment" && allowed.mayAssertUser)
        let chain = policy.decide(call("chain/tron-node", "wallet/tron-payment", "/grpc.health.v1.Health/Check"))
        #expect(!chain.allowed)
        #expect(chain.decidingRule?.name == "chain_to_wallet_denied")
        #expect(
            chain.matched.map(\.name) == ["chain_to_wallet_denied", "health_probes_shadow"], "shadow rules are reported"
        )
        #expect(chain.ruleDescription.contains("must never reach the wallet plane"))
        let unknown = policy.decide(
            call("ops/unknown", "wallet/tron-payment", "/lucid.payment.v1.PaymentService/GetPayout"))
        #expect(!unknown.allowed && unknown.decidingRule == nil && unknown.ruleDescription.hasPrefix("default deny"))
    }

    @Test("a matching deny beats any allow, whatever the order")
    func denyWins() throws {
        let policy = try ACLParser.parse(
            """
            rule "allow_all" { source_plane = "*" allowed_methods = ["*"] action = "allow" }
            rule "deny_chain" { source_plane = "chain" action = "deny" reason = "no" }
            """, file: "p.acl")
        #expect(policy.decide(call("ops/a", "wallet/b", "/x.Y/Z")).allowed)
        #expect(!policy.decide(call("chain/a", "wallet/b", "/x.Y/Z")).allowed)
    }

    @Test("shadow rules never decide")
    func shadow() throws {
        let policy = try ACLParser.parse(
            """
            rule "maybe" { allowed_endpoints = ["/a.B/*"] action = "allow" mode = "shadow" }
            """, file: "p.acl")
        let decision = policy.decide(call("ops/a", "wallet/b", "/a.B/C"))
        #expect(!decision.allowed && decision.matched.count == 1)
    }

    @Test(
        "globs",
        arguments: [
            ("*", "", true), ("*", "anything", true), ("/a.B/*", "/a.B/C", true), ("/a.B/*", "/a.C/C", false),
            ("api-*", "api-gateway", true), ("*-gateway", "api-gateway", true), ("a*c", "abbbc", true),
            ("a*c", "abbbd", false),
            ("exact", "exact", true), ("exact", "exactly", false),
        ])
    func globs(pattern: String, text: String, expected: Bool) {
        #expect(Glob.matches(pattern, text) == expected)
    }

    @Test(
        "errors name file, line, column and what was expected",
        arguments: [
            ("rule \"a\" {\n  action = \"allow\"\n  sauce = \"x\"\n}", "p.acl:3:3: unknown key 'sauce'"),
            ("rule \"a\" {\n  action = \"maybe\"\n}", "p.acl:2:12: expected \"allow\" or \"deny\", found \"maybe\""),
            ("rule \"a\" {\n  action = \"deny\"", "p.acl:2:18: expected a key or '}', found end of file"),
            ("rule a {}", "p.acl:1:6: expected a rule name in quotes, found 'a'"),
            (
                "rule \"a\" {\n  target = \"external\"\n  via = \"tor\"\n}",
                "p.acl:2:3: egress rules ('target') are not supported yet"
            ),
            ("rule \"a\" { action = \"allow\" }", "p.acl:1:1: allow rule \"a\" names no methods"),
            ("rule \"a\" { allowed_methods = [\"/x/Y\"] }", "p.acl:1:1: rule \"a\" has no action"),
            (
                "rule \"a\" { action = \"deny\" }\nrule \"a\" { action = \"deny\" }",
                "p.acl:2:1: rule \"a\" is already defined at 1:1"
            ),
            ("rule \"a\" { action = \"deny\" action = \"deny\" }", "p.acl:1:28: 'action' is already set at 1:12"),
            (
                "rule \"a\" { allowed_methods = [\"CreatePayout\"] action = \"allow\" }",
                "p.acl:1:12: method \"CreatePayout\" must be a gRPC path"
            ),
            (
                "rule \"a\" { allowed_methods = [\"/a/B\" \"/c/D\"] action = \"allow\" }",
                "p.acl:1:38: expected ',' or ']', found \"/c/D\""
            ),
            ("rule \"a\" { reason = \"unterminated\n}", "p.acl:1:21: unterminated string"),
            ("rule \"a\" { may_assert_user = yes }", "p.acl:1:30: expected true or false, found 'yes'"),
            ("rule \"a\" { source_plane = \"o p s\" action = \"deny\" }", "p.acl:1:27: expected a name of letters"),
            ("@", "p.acl:1:1: unexpected character '@'"),
        ])
    func errors(text: String, expected: String) {
        do {
            _ = try ACLParser.parse(text, file: "p.acl")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.hasPrefix(expected), "\(error.description)")
        }
    }

    @Test("cases files")
    func cases() throws {
        let parsed = try ACLCase.parse(
            "# c\nallow ops/a wallet/b /x.Y/Z  # why\n\ndeny chain/c wallet/b /x.Y/Z\n", file: "c")
        #expect(parsed.count == 2 && parsed[0].expectAllow && parsed[1].line == 4)
        #expect(throws: ACLError.self) { try ACLCase.parse("maybe ops/a wallet/b /x", file: "c") }
    }
}
