import Foundation
import ServerSupport

extension PaymentRPCConfig {
    /// Reads and checks the keys that decide who can reach payment-rpc:
    ///
    /// - `grpc.listen` (host:port, default 127.0.0.1:50051): TCP, development only. Setting it (file or
    ///   environment) in staging or production stops start-up, because a TCP port lets anyone on the host walk
    ///   around the sidecar and its ACL.
    /// - `grpc.unix_socket` (path): required outside development. Its directory must exist; the socket is
    ///   created there with mode 0660.
    /// - `grpc.allowed_peer_uids` (list of uids, default: the server's own uid): who may connect to the socket.
    /// - `admin.allowed_callers` (list of "plane/service", default empty): who may call AdminService.
    mutating func readTransportRules(_ reader: ConfigSource) throws(ConfigError) {
        let uids = try reader.list("grpc.allowed_peer_uids")
        if !uids.isEmpty {
            allowedPeerUIDs = Set(
                try uids.enumerated().map { index, text throws(ConfigError) in
                    guard let uid = UInt32(text) else {
                        throw ConfigError(
                            key: "grpc.allowed_peer_uids[\(index)]", "must be a numeric uid, got \"\(text)\"")
                    }
                    return uid
                })
        }
        adminAllowedCallers = try Self.identities(reader, "admin.allowed_callers")
        grpcListenSetExplicitly = reader.origin(of: "grpc.listen") != nil
    }

    /// Outside development: no TCP listener, a Unix socket in an existing directory.
    func validateTransport() throws(ConfigError) {
        guard environment.requiresSidecar else { return }
        if grpcListenSetExplicitly {
            throw ConfigError(
                key: "grpc.listen",
                "must not be set when environment is \(environment.rawValue): payment-rpc serves gRPC only on grpc.unix_socket outside development, so that only the sidecar can reach it (remove grpc.listen / PAYMENT_RPC_GRPC_LISTEN)"
            )
        }
        guard let socket = grpcUnixSocket else {
            throw ConfigError(
                key: "grpc.unix_socket",
                "is required when environment is \(environment.rawValue): the path of the Unix socket the sidecar connects to, in an existing directory"
            )
        }
        try Self.requireSocketDirectory(socket)
    }

    /// Refuses a socket path whose directory does not exist: payment-rpc creates the socket, never its directory.
    static func requireSocketDirectory(_ socket: String) throws(ConfigError) {
        let directory = URL(fileURLWithPath: socket).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ConfigError(
                key: "grpc.unix_socket",
                "the directory \(directory) must exist (payment-rpc creates the socket in it but never the directory itself)"
            )
        }
    }
}
