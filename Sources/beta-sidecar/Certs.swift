import ArgumentParser
import BetaSidecar

/// `beta-sidecar certs`: a development CA and certificates for plane/service identities.
struct Certs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make a development CA (once) and issue certificates for plane/service identities.")

    @Option(help: "Directory for ca.pem, ca.key and <plane>-<service>.pem/.key.") var dir: String
    @Option(name: .customLong("trust-domain")) var trustDomain = "lucid"
    @Option(help: "An identity to issue, plane/service (repeatable).") var issue: [String] = []

    func run() throws {
        let authority: DevCertificateAuthority
        if let existing = try? DevCertificateAuthority.load(directory: dir) {
            authority = existing
        } else {
            authority = try DevCertificateAuthority.make()
            try authority.write(to: dir)
            print("created CA \(dir)/ca.pem")
        }
        for entry in issue {
            let parts = entry.split(separator: "/").map(String.init)
            guard parts.count == 2,
                let identity = SpiffeID(uri: "spiffe://\(trustDomain)/plane/\(parts[0])/service/\(parts[1])")
            else {
                throw ValidationError("--issue takes plane/service, got \(entry)")
            }
            let paths = try authority.writeIssued(identity, to: dir)
            print("issued \(identity.uri): \(paths.certificate)")
        }
    }
}
