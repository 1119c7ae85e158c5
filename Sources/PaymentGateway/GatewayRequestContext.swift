import Hummingbird
import NIOCore

/// The gateway's request context: Hummingbird's core storage plus the TCP peer's address, which the health
/// endpoint's rate limit keys on (`RemoteAddressRequestContext` also lets tracing record it).
public struct GatewayRequestContext: RequestContext, RemoteAddressRequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// The connected peer; nil in router tests, which have no socket.
    public let remoteAddress: SocketAddress?

    /// A context for a request arriving on `source.channel`.
    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }
}
