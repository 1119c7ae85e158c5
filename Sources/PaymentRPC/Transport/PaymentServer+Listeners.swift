import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Logging
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

extension PaymentServer {
    /// The socket file's mode: the owner and its group (the sidecar's user joins it) may connect.
    static let socketMode: mode_t = 0o660

    /// The gRPC servers of this configuration: TCP `grpc.listen` in development only, and the Unix socket
    /// `grpc.unix_socket` (required outside development) whose connections pass the peer-uid gate.
    func grpcListeners(
        services: [any RegistrableRPCService]
    ) throws -> [ServiceGroupConfiguration.ServiceConfiguration] {
        let interceptors = Self.interceptors(config: config)
        var listeners: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if !config.environment.requiresSidecar {
            let tcp = GRPCServer(
                transport: .http2NIOPosix(
                    address: .ipv4(host: config.grpcListen.host, port: config.grpcListen.port),
                    transportSecurity: .plaintext, config: RequestConstraintsInterceptor.transportConfig),
                services: services, interceptors: interceptors)
            listeners.append(
                .init(service: GRPCServerService(server: tcp, name: "tcp \(config.grpcListen)", logger: logger)))
        }
        if let socket = config.grpcUnixSocket {
            try Self.prepareSocketPath(socket)
            let gate = PeerCredentialGate(allowedUIDs: config.allowedPeerUIDs, logger: logger)
            var transportConfig = RequestConstraintsInterceptor.transportConfig
            transportConfig.channelDebuggingCallbacks.onAcceptTCPConnection = { channel in gate.check(channel) }
            let unix = GRPCServer(
                transport: .http2NIOPosix(
                    address: .unixDomainSocket(path: socket), transportSecurity: .plaintext, config: transportConfig),
                services: services, interceptors: interceptors)
            listeners.append(
                .init(
                    service: GRPCServerService(
                        server: unix, name: "unix \(socket)", logger: logger,
                        onListening: { try Self.restrictSocket(socket) })))
        }
        return listeners
    }

    /// Refuses a socket path whose directory is missing, and removes a stale socket left by an earlier run (but
    /// never another kind of file).
    static func prepareSocketPath(_ socket: String) throws {
        try PaymentRPCConfig.requireSocketDirectory(socket)
        var info = stat()
        guard lstat(socket, &info) == 0 else { return }
        guard info.st_mode & mode_t(S_IFMT) == mode_t(S_IFSOCK) else {
            throw ConfigError(
                key: "grpc.unix_socket", "\(socket) exists and is not a socket; remove it or choose another path")
        }
        try FileManager.default.removeItem(atPath: socket)
    }

    /// Sets the bound socket's mode to 0660. Until then the peer-uid gate already refuses other users.
    static func restrictSocket(_ socket: String) throws {
        guard chmod(socket, socketMode) == 0 else {
            throw ConfigError(key: "grpc.unix_socket", "cannot set mode 0660 on \(socket) (errno \(errno))")
        }
    }
}

/// Runs a `GRPCServer` as a `Service`: graceful shutdown stops accepting and lets in-flight RPCs finish.
struct GRPCServerService: Service {
    let server: GRPCServer<HTTP2ServerTransport.Posix>
    let name: String
    let logger: Logger
    /// Run once the server listens (e.g. to restrict the socket file).
    var onListening: @Sendable () throws -> Void = {}

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await server.serve() }
                if let address = try await server.listeningAddress {
                    try onListening()
                    logger.info("gRPC listening", metadata: ["listener": "\(name)", "address": "\(address)"])
                }
            }
        } onGracefulShutdown: {
            server.beginGracefulShutdown()
        }
    }
}
