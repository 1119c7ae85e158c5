import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Logging
import ServiceLifecycle
import SidecarAPI

/// lucid.sidecar.v1.RegistryService: list and watch the instances in this sidecar's registry.
struct RegistryAdminService: Lucid_Sidecar_V1_RegistryService.SimpleServiceProtocol {
    let registry: any ServiceRegistry

    func listInstances(
        request: Lucid_Sidecar_V1_ListInstancesRequest, context: ServerContext
    ) async throws -> Lucid_Sidecar_V1_ListInstancesResponse {
        try await snapshot(plane: request.plane)
    }

    /// Sends the list at once and again whenever it changes (checked twice a second), until cancelled.
    func watchInstances(
        request: Lucid_Sidecar_V1_ListInstancesRequest, response: RPCWriter<Lucid_Sidecar_V1_ListInstancesResponse>,
        context: ServerContext
    ) async throws {
        var last: Lucid_Sidecar_V1_ListInstancesResponse?
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let current = try await snapshot(plane: request.plane)
            if current != last {
                try await response.write(current)
                last = current
            }
            try? await Task.sleep(for: .milliseconds(500))
        }
    }

    private func snapshot(plane: String) async throws -> Lucid_Sidecar_V1_ListInstancesResponse {
        let instances = try await registry.list().filter { plane.isEmpty || $0.plane == plane }
        return .with {
            $0.instances = instances.map { instance in
                .with {
                    $0.id = instance.id
                    $0.name = instance.name
                    $0.plane = instance.plane
                    $0.address = instance.address
                    $0.port = Int32(instance.port)
                    $0.tags = instance.tags
                    $0.healthy = instance.healthy
                    $0.version = instance.version
                }
            }
        }
    }
}

/// The loopback admin gRPC server (plaintext) that serves the registry API.
struct RegistryAdminServer: Service {
    let host: String
    let port: Int
    let registry: any ServiceRegistry
    let logger: Logger

    func run() async throws {
        let server = GRPCServer(
            transport: .http2NIOPosix(address: .ipv4(host: host, port: port), transportSecurity: .plaintext),
            services: [RegistryAdminService(registry: registry)])
        try await withGracefulShutdownHandler {
            try await server.serve()
        } onGracefulShutdown: {
            server.beginGracefulShutdown()
        }
    }
}
