import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Logging
import PaymentAPI
import ServiceLifecycle

/// Probes the upstream with grpc.health.v1.Health/Check every interval. `healthyThreshold` consecutive successes
/// mark it healthy, `unhealthyThreshold` consecutive failures unhealthy; the state drives fail-fast and the registry.
public struct UpstreamProber: Service {
    /// How often the upstream is probed and how many results in a row change its state (keys `probe.*`).
    public struct Settings: Sendable {
        /// The pause between two probes (`probe.interval_ms`, default 1 s).
        public var interval: Duration = .seconds(1)
        /// The deadline of one Health/Check call (`probe.timeout_ms`, default 1 s); a late answer is a failure.
        public var timeout: Duration = .seconds(1)
        /// Successes in a row that mark an unhealthy upstream healthy (`probe.healthy_threshold`, default 1).
        public var healthyThreshold = 1
        /// Failures in a row that mark a healthy upstream unhealthy (`probe.unhealthy_threshold`, default 2).
        public var unhealthyThreshold = 2
        /// The defaults: every second, a one-second deadline, healthy after 1 success, unhealthy after 2 failures.
        public init() {}
    }

    let target: UpstreamConnection.Target
    let settings: Settings
    let health: UpstreamHealth
    let onChange: @Sendable (Bool) async -> Void
    let logger: Logger

    /// Probes until cancelled or shut down gracefully; throws only when the client transport cannot be made.
    public func run() async throws {
        let transport: HTTP2ClientTransport.Posix
        switch target {
        case .tcp(let host, let port):
            transport = try .http2NIOPosix(target: .ipv4(address: host, port: port), transportSecurity: .plaintext)
        case .unix(let path):
            transport = try .http2NIOPosix(target: .unixDomainSocket(path: path), transportSecurity: .plaintext)
        }
        try await withGRPCClient(transport: transport) { client in
            let stub = Grpc_Health_V1_Health.Client(wrapping: client)
            var successes = 0, failures = 0
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                var options = CallOptions.defaults
                options.timeout = settings.timeout
                let ok = (try? await stub.check(.init(), options: options).status == .serving) ?? false
                if ok { successes += 1; failures = 0 } else { failures += 1; successes = 0 }
                if ok, !health.isServing, successes >= settings.healthyThreshold {
                    health.set(true)
                    logger.notice("upstream healthy", metadata: ["upstream": "\(target)"])
                    await onChange(true)
                } else if !ok, health.isServing, failures >= settings.unhealthyThreshold {
                    health.set(false)
                    logger.warning("upstream unhealthy", metadata: ["upstream": "\(target)"])
                    await onChange(false)
                }
                try? await Task.sleep(for: settings.interval)
            }
        }
    }
}
