import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP2
import NIOPosix

/// One pooled HTTP/2 (h2c) connection to the upstream gRPC server, over TCP or a Unix socket, reconnected when it
/// closes. Streams for proxied calls are opened on it.
final class UpstreamConnection: Sendable {
    enum Target: Sendable, CustomStringConvertible {
        case tcp(host: String, port: Int)
        case unix(path: String)

        var description: String {
            switch self {
            case .tcp(let host, let port): "\(host):\(port)"
            case .unix(let path): "unix:\(path)"
            }
        }
    }

    let target: Target
    let group: any EventLoopGroup
    let logger: Logger
    private let current = NIOLockedValueBox<EventLoopFuture<Channel>?>(nil)

    init(target: Target, group: any EventLoopGroup, logger: Logger) {
        self.target = target
        self.group = group
        self.logger = logger
    }

    /// Opens a stream on the upstream connection; `initializer` sets up its pipeline.
    func openStream(_ initializer: @escaping NIOChannelInitializer) -> EventLoopFuture<Channel> {
        connection().flatMap { channel in
            let promise = channel.eventLoop.makePromise(of: Channel.self)
            channel.eventLoop.execute {
                do {
                    let multiplexer = try channel.pipeline.syncOperations.handler(type: HTTP2StreamMultiplexer.self)
                    multiplexer.createStreamChannel(promise: promise, initializer)
                } catch {
                    promise.fail(error)
                }
            }
            return promise.futureResult
        }
    }

    private func connection() -> EventLoopFuture<Channel> {
        current.withLockedValue { current in
            if let existing = current { return existing }
            let future = connect()
            current = future
            future.whenComplete { [weak self] result in
                switch result {
                case .success(let channel):
                    channel.closeFuture.whenComplete { _ in self?.forget(future) }
                case .failure:
                    self?.forget(future)
                }
            }
            return future
        }
    }

    private func forget(_ future: EventLoopFuture<Channel>) {
        current.withLockedValue { current in
            if current === future { current = nil }
        }
    }

    private func connect() -> EventLoopFuture<Channel> {
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.seconds(2))
            .channelInitializer { channel in
                channel.configureHTTP2Pipeline(mode: .client, inboundStreamInitializer: nil).map { _ in }
            }
        let connected: EventLoopFuture<Channel>
        switch target {
        case .tcp(let host, let port):
            // TCP_NODELAY at IPPROTO_TCP (`tcpOption`): `socketOption(.tcp_nodelay)` would be SOL_SOCKET option 1,
            // SO_DEBUG, which needs CAP_NET_ADMIN and fails the connection in an unprivileged container.
            connected = bootstrap.channelOption(.tcpOption(.tcp_nodelay), value: 1).connect(host: host, port: port)
        case .unix(let path): connected = bootstrap.connect(unixDomainSocketPath: path)
        }
        return connected
    }

    func close() {
        current.withLockedValue { $0 }?.whenSuccess { channel in channel.close(promise: nil) }
    }
}

extension EventLoopFuture {
    static func === (lhs: EventLoopFuture, rhs: EventLoopFuture) -> Bool {
        ObjectIdentifier(lhs) == ObjectIdentifier(rhs)
    }
}
