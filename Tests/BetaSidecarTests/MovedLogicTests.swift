import Foundation
import SidecarACL
import Testing

@testable import BetaSidecar

@Suite("What the certs and registry commands do, now in the library")
struct MovedLogicTests {
    @Test(arguments: [
        ("wallet/tron-payment", "spiffe://lucid/plane/wallet/service/tron-payment"),
        ("/ops/api-gateway/", "spiffe://lucid/plane/ops/service/api-gateway"),
        ("wallet", nil), ("a/b/c", nil), ("wallet/tron payment", nil), ("", nil),
    ])
    func anIdentityToIssueIsPlaneSlashService(entry: String, uri: String?) {
        #expect(SpiffeID(trustDomain: "lucid", planeAndService: entry)?.uri == uri)
    }

    @Test func theCAIsMadeOnceThenLoaded() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sidecar-ca-\(UUID())").path
        let first = try DevCertificateAuthority.loadOrMake(directory: directory)
        #expect(first.created)
        let second = try DevCertificateAuthority.loadOrMake(directory: directory)
        #expect(!second.created)
        #expect(second.authority.certificate == first.authority.certificate)
        let identity = try #require(SpiffeID(trustDomain: "lucid", planeAndService: "ops/api-gateway"))
        let paths = try second.authority.writeIssued(identity, to: directory)
        #expect(paths.certificate == directory + "/ops-api-gateway.pem")
        let mode = try FileManager.default.attributesOfItem(atPath: paths.key)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func issuedCertificatesCarryTheExtraHostNames() throws {
        let authority = try DevCertificateAuthority.make()
        let identity = try #require(SpiffeID(trustDomain: "lucid", planeAndService: "wallet/tron-payment"))
        let (certificate, _) = try authority.issue(identity, dnsNames: ["sidecar", "payment-rpc.lucid-wallet.svc"])
        let names = try #require(try certificate.extensions.subjectAlternativeNames).compactMap { name in
            if case .dnsName(let text) = name { return text }
            return nil
        }
        #expect(names == ["localhost", "sidecar", "payment-rpc.lucid-wallet.svc"])
        #expect(certificate.spiffeIDs == [identity])
        let plain = try authority.issue(identity).certificate
        #expect(try plain.extensions.subjectAlternativeNames?.count == 3)
    }

    @Test(arguments: [
        ("sidecar", true), ("payment-rpc.lucid-wallet.svc", true), ("a-1.b", true), ("", false), ("-a", false),
        ("a-", false), ("a..b", false), ("a b", false), ("*.example", false), ("ex\u{e4}mple", false),
        (String(repeating: "a", count: 64), false), (String(repeating: "a.", count: 127) + "a", false),
    ])
    func onlyHostNamesAreIssued(name: String, valid: Bool) throws {
        #expect(DevCertificateAuthority.isValidDNSName(name) == valid)
        let authority = try DevCertificateAuthority.make()
        let identity = try #require(SpiffeID(trustDomain: "lucid", planeAndService: "ops/api-gateway"))
        if valid {
            _ = try authority.issue(identity, dnsNames: [name])
        } else {
            #expect(throws: DevCertificateError.self) { try authority.issue(identity, dnsNames: [name]) }
        }
    }

    @Test func registryLinesStartWithTheHealth() {
        let instance = ServiceInstance(
            id: "wallet/tron-payment@127.0.0.1:50443", name: "tron-payment", plane: "wallet", address: "127.0.0.1",
            port: 50_443, tags: ["grpc", "mtls"], healthy: true, version: "0.1.0")
        var sick = instance
        sick.healthy = false
        #expect(
            RegistryListing.lines([instance, sick]) == [
                "healthy   wallet/tron-payment  127.0.0.1:50443  v0.1.0  [grpc,mtls]  wallet/tron-payment@127.0.0.1:50443",
                "UNHEALTHY wallet/tron-payment  127.0.0.1:50443  v0.1.0  [grpc,mtls]  wallet/tron-payment@127.0.0.1:50443",
            ])
        #expect(RegistryListing.lines([]) == ["no instances registered"])
    }

    @Test func aMalformedAdminAddressIsRefusedBeforeDialling() async {
        await #expect { try await RegistryAdminClient.list(address: "nowhere") } throws: { error in
            "\(error)" == "expected host:port, got nowhere"
        }
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func aDecisionIsExplainedWithEveryOtherMatchingRule() throws {
        let policy = try ACLParser.parse(file: Self.root.appendingPathComponent("acl/wallet_plane.acl").path)
        let denied = ACLReport.explain(
            policy.decide(
                ACLCall(
                    sourcePlane: "chain", sourceService: "tron-node", targetPlane: "wallet",
                    targetService: "tron-payment", method: "/grpc.health.v1.Health/Check")))
        #expect(denied.first?.hasPrefix("deny: rule \"chain_to_wallet_denied\"") == true)
        #expect(denied.contains { $0.hasPrefix("also matched: rule \"health_probes_shadow\" (allow, shadow, line ") })
        let allowed = ACLReport.explain(
            policy.decide(
                ACLCall(
                    sourcePlane: "ops", sourceService: "api-gateway", targetPlane: "wallet",
                    targetService: "tron-payment", method: "/lucid.payment.v1.PaymentService/CreatePayout")))
        #expect(allowed.first?.hasPrefix("allow: rule \"gateway_to_payment\"") == true)
        #expect(allowed.count >= 2 && allowed[1].hasPrefix("may assert an end user: "))
    }

    @Test func aCasesRunReportsEachMismatchThenTheCount() throws {
        let policy = try ACLParser.parse(file: Self.root.appendingPathComponent("acl/wallet_plane.acl").path)
        let shipped = Self.root.appendingPathComponent("acl/wallet_plane.cases").path
        let cases = try #require(try ACLReport.cases(file: shipped))
        let passing = ACLReport.run(policy, cases: cases, file: shipped)
        #expect(passing.failures == 0 && passing.lines == ["\(cases.count) of \(cases.count) cases pass"])
        let wrong = try ACLCase.parse(
            "allow chain/tron-node wallet/tron-payment /lucid.payment.v1.PaymentService/CreatePayout\n", file: "w")
        let failing = ACLReport.run(policy, cases: wrong, file: "w.cases")
        #expect(failing.failures == 1)
        #expect(failing.lines.first?.hasPrefix("w.cases:1: expected allow, got deny (") == true)
        #expect(failing.lines.last == "0 of 1 cases pass")
        #expect(try ACLReport.cases(file: "/nonexistent/x.cases") == nil)
    }
}
