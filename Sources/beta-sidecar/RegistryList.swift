import ArgumentParser
import BetaSidecar
import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
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
            let instances: [ServiceInstance]
            if let etcdURL {
                instances = try await EtcdRegistry(endpoint: etcdURL, logger: Logger(label: "beta-sidecar")).list()
            } else {
                instances = try await RegistryAdminClient.list(address: adminGRPC)
            }
            for instance in instances {
                print(
                    "\(instance.healthy ? "healthy  " : "UNHEALTHY") \(instance.plane)/\(instance.name)  \(instance.address):\(instance.port)  v\(instance.version)  [\(instance.tags.joined(separator: ","))]  \(instance.id)"
                )
            }
            if instances.isEmpty { print("no instances registered") }
        }
    }
}
