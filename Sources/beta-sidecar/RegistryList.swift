import ArgumentParser
import BetaSidecar
import Logging

/// `beta-sidecar registry list`: what is registered, and whether it is healthy.
struct Registry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Inspect the service registry.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List registered instances and their health.")
        @Option(name: .customLong("admin-grpc"), help: "A sidecar's admin gRPC address (embedded registry), host:port.")
        var adminGRPC = "127.0.0.1:9444"
        @Option(name: .customLong("etcd-url"), help: "etcd's client URL (etcd registry).") var etcdURL: String?

        func run() async throws {
            let instances = try await RegistryListing.instances(
                etcdURL: etcdURL, adminGRPC: adminGRPC, logger: Logger(label: "beta-sidecar"))
            for line in RegistryListing.lines(instances) { print(line) }
        }
    }
}
