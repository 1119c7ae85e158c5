import Logging
import Metrics
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// Closes every Unix-socket connection whose peer (SO_PEERCRED) is not one of the allowed uids, before a byte of
/// HTTP/2 is read, so only the sidecar's user (and the server's own) can reach payment-rpc.
///
/// It runs as the transport's `onAcceptTCPConnection` callback (called for every accepted connection, Unix sockets
/// included). It always returns a succeeded future: a failed one would end the server's accept loop, so a refused
/// connection is closed instead and gRPC sees it end at once (the client gets UNAVAILABLE).
struct PeerCredentialGate: Sendable {
    /// The uids that may connect.
    let allowedUIDs: Set<UInt32>
    let logger: Logger
    /// `payment_rpc_peer_connections_refused_total`.
    let refused = Counter(label: "payment_rpc_peer_connections_refused_total")

    /// Linux's `struct ucred` (pid_t, uid_t, gid_t), which Glibc only declares under _GNU_SOURCE.
    struct PeerCredentials: Sendable {
        var pid: Int32 = 0
        var uid: UInt32 = 0
        var gid: UInt32 = 0
    }

    /// The callback: reads the peer's credentials and closes the connection unless its uid is allowed.
    func check(_ channel: any Channel) -> EventLoopFuture<Void> {
        #if os(Linux)
            guard let provider = channel as? any SocketOptionProvider else {
                return refuse(channel, uid: nil, why: "the connection has no socket to read credentials from")
            }
            let credentials: EventLoopFuture<PeerCredentials> = provider.unsafeGetSocketOption(
                level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
            return credentials.flatMap { peer in
                if allowedUIDs.contains(peer.uid) { return channel.eventLoop.makeSucceededVoidFuture() }
                return refuse(channel, uid: peer.uid, why: "its uid is not in grpc.allowed_peer_uids")
            }.flatMapError { error in
                refuse(channel, uid: nil, why: "its credentials could not be read (\(error))")
            }
        #else
            return refuse(channel, uid: nil, why: "peer credentials are only read on Linux")
        #endif
    }

    private func refuse(_ channel: any Channel, uid: UInt32?, why: String) -> EventLoopFuture<Void> {
        logger.notice(
            "refused a gRPC connection on the Unix socket: \(why)",
            metadata: ["peer_uid": "\(uid.map(String.init) ?? "unknown")", "allowed_uids": "\(allowedUIDs.sorted())"])
        refused.increment()
        channel.close(promise: nil)
        return channel.eventLoop.makeSucceededVoidFuture()
    }
}
