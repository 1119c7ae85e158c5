import Foundation
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
}
