import ArgumentParser
import BetaSidecar

/// `beta-sidecar certs`: a development CA and certificates for plane/service identities.
struct Certs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make a development CA (once) and issue certificates for plane/service identities.")

    @Option(help: "Directory for ca.pem, ca.key and <plane>-<service>.pem/.key.") var dir: String
    @Option(name: .customLong("trust-domain")) var trustDomain = "lucid"
    @Option(help: "An identity to issue, plane/service (repeatable).") var issue: [String] = []
    @Option(
        name: .customLong("dns"),
        help: "A host name to add to every certificate issued by this call, besides localhost (repeatable).")
    var dnsNames: [String] = []

    func validate() throws {
        for name in dnsNames where !DevCertificateAuthority.isValidDNSName(name) {
            throw ValidationError("--dns takes a host name (letters, digits, '-' and '.'), got \(name)")
        }
    }

    func run() throws {
        let (authority, created) = try DevCertificateAuthority.loadOrMake(directory: dir)
        if created { print("created CA \(dir)/ca.pem") }
        for entry in issue {
            guard let identity = SpiffeID(trustDomain: trustDomain, planeAndService: entry) else {
                throw ValidationError("--issue takes plane/service, got \(entry)")
            }
            let paths = try authority.writeIssued(identity, dnsNames: dnsNames, to: dir)
            print("issued \(identity.uri): \(paths.certificate)")
        }
    }
}
