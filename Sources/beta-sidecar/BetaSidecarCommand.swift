import ArgumentParser
import BetaSidecar
import Foundation
import ServerCommands
import SidecarACL

@main
struct BetaSidecarCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "beta-sidecar",
        abstract: "The sidecar of a service: mTLS identities, plane ACLs per RPC method, health probing, registration.",
        subcommands: [Run.self, ACL.self, Certs.self, Registry.self, HealthcheckCommand<SidecarAdminPort>.self])
}

/// The sidecar's admin port by default (`admin.listen`).
enum SidecarAdminPort: AdminPortDefault {
    static let adminAddress = "127.0.0.1:9443"
}

struct ACL: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "acl", abstract: "Explain and test plane ACL policies offline.",
        subcommands: [Check.self, Test.self])

    /// Exit codes: 0 allow / all cases pass, 1 deny / a case fails, 2 a bad policy or cases file.
    static func load(_ path: String) -> ACLPolicy {
        do {
            return try ACLParser.parse(file: path)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            Foundation.exit(2)
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the decision on one call, the deciding rule and every rule that matched.")
        @Option var policy: String
        @Option(help: "The caller, plane/service.") var from: String
        @Option(help: "The callee, plane/service.") var to: String
        @Option(help: "The gRPC method path, /package.Service/Method.") var method: String

        func run() throws {
            let policy = ACL.load(self.policy)
            guard let source = ACLCase.endpoint(from), let target = ACLCase.endpoint(to) else {
                throw ValidationError("--from and --to take plane/service")
            }
            let decision = policy.decide(
                ACLCall(
                    sourcePlane: source.0, sourceService: source.1, targetPlane: target.0, targetService: target.1,
                    method: method))
            for line in ACLReport.explain(decision) { print(line) }
            if !decision.allowed { throw ExitCode(1) }
        }
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a file of expected decisions against a policy; report each mismatch.")
        @Option var policy: String
        @Option var cases: String

        func run() throws {
            let policy = ACL.load(self.policy)
            let list: [ACLCase]
            do {
                guard let parsed = try ACLReport.cases(file: cases) else {
                    throw ValidationError("cannot read \(cases)")
                }
                list = parsed
            } catch let error as ACLError {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                throw ExitCode(2)
            }
            let (lines, failures) = ACLReport.run(policy, cases: list, file: cases)
            for line in lines { print(line) }
            if failures > 0 { throw ExitCode(1) }
        }
    }
}
