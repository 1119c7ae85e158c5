import GRPCCore
import GRPCNIOTransportHTTP2Posix
import ServerSupport
import SidecarAPI

/// Reads a sidecar's embedded registry over its admin gRPC API.
public enum RegistryAdminClient {
    /// The instances in the embedded registry of the sidecar whose admin gRPC listener (`admin.grpc_listen`) is at
    /// `address`, host:port, over plaintext; throws for a malformed address or a failed call.
    public static func list(address: String) async throws -> [ServiceInstance] {
        guard let target = HostPort(parsing: address) else {
            throw RegistryError("expected host:port, got \(address)")
        }
        let transport = try HTTP2ClientTransport.Posix(
            target: .dns(host: target.host, port: target.port), transportSecurity: .plaintext)
        return try await withGRPCClient(transport: transport) { client in
            let response = try await Lucid_Sidecar_V1_RegistryService.Client(wrapping: client).listInstances(.init())
            return response.instances.map {
                ServiceInstance(
                    id: $0.id, name: $0.name, plane: $0.plane, address: $0.address, port: Int($0.port), tags: $0.tags,
                    healthy: $0.healthy, version: $0.version)
            }
        }
    }
}
