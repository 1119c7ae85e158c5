import Logging
import NIOCore
import NIOHTTP2
import NIOPosix
import NIOSSL
import ServiceLifecycle

/// The sidecar's inbound listener: TLS with required client certificates verified against the CA bundle, HTTP/2,
/// one `ProxyStreamHandler` per stream.
public struct SidecarServer: Service {
    /// The PEM files of the listener (keys `tls.cert`, `tls.key`, `tls.ca`), read when it starts.
    public struct TLSFiles: Sendable {
        /// This sidecar's certificate chain (`tls.cert`).
        public var certificate: String
        /// Its private key (`tls.key`); never logged.
        public var key: String
        /// The CA certificates a caller's certificate must chain to (`tls.ca`).
        public var caBundle: String
        /// The three paths, unchecked (SidecarConfig checks they can be read).
        public init(certificate: String, key: String, caBundle: String) {
            self.certificate = certificate
            self.key = key
            self.caBundle = caBundle
        }
    }

    let host: String
    let port: Int
    let tls: TLSFiles
    let context: SidecarContext

    /// Listens until graceful shutdown, then closes the listener and the upstream pool; throws when a PEM file
    /// does not load or the address cannot be bound.
    public func run() async throws {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(tls.certificate).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: tls.key, format: .pem)))
        configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(tls.caBundle))
        // Required client certificates, chained to our CA; names are checked from the URI SAN, not the hostname.
        configuration.certificateVerification = .noHostnameVerification
        configuration.applicationProtocols = ["h2"]
        configuration.minimumTLSVersion = .tlsv12
        let sslContext = try NIOSSLContext(configuration: configuration)
        let streamContext = context
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // IPPROTO_TCP's TCP_NODELAY; `.socketOption(.tcp_nodelay)` would set SOL_SOCKET option 1, SO_DEBUG, which
            // needs CAP_NET_ADMIN: as root it silently turned on socket debugging, unprivileged it closed every
            // accepted connection.
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
                }.flatMap {
                    channel.configureHTTP2Pipeline(mode: .server) { stream in
                        stream.eventLoop.makeCompletedFuture {
                            try stream.pipeline.syncOperations.addHandler(ProxyStreamHandler(context: streamContext))
                        }
                    }.map { _ in }
                }
            }
            .bind(host: host, port: port).get()
        context.logger.info(
            "sidecar listening",
            metadata: [
                "address": "\(channel.localAddress.map { "\($0)" } ?? "?")", "upstream": "\(context.upstream.target)",
                "target": "\(context.targetPlane)/\(context.targetService)",
            ])
        try? await gracefulShutdown()
        try await channel.close()
        context.upstream.close()
    }
}
