import ArgumentParser
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import NIOCore
import NIOPosix
import PaymentAPI

/// `--concurrency-on-event-loops` must take effect before any task runs, so it is read here, before parsing.
@main
enum GRPCNoopMain {
    static func main() async {
        if CommandLine.arguments.contains("--concurrency-on-event-loops") {
            NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        await GRPCNoop.main()
    }
}

/// The transport's own ceiling for scripts/bench-all.sh: grpc-swift-2's HTTP/2 server (the transport and settings
/// payment-rpc uses, no interceptors, no ledger) answering grpc.health.v1.Health/Check with SERVING from memory.
struct GRPCNoop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grpc-noop", abstract: "grpc-swift-2 serving a no-op unary RPC (Health/Check), plaintext h2c.")

    @Option(help: "host:port to listen on.") var listen = "127.0.0.1:50070"
    @Option(help: "Event loop threads; 0 uses NIO's singleton group (one per core).") var eventLoops = 0
    @Flag(help: "Run Swift Concurrency's global executor on NIO's event loops (handlers run where the I/O is).")
    var concurrencyOnEventLoops = false

    func run() async throws {
        let parts = listen.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]), (0...65_535).contains(port) else {
            throw ValidationError("--listen must be host:port with a port from 0 to 65535")
        }
        guard (0...64).contains(eventLoops) else { throw ValidationError("--event-loops must be 0 to 64") }
        let group =
            eventLoops > 0
            ? MultiThreadedEventLoopGroup(numberOfThreads: eventLoops) : .singletonMultiThreadedEventLoopGroup
        let server = GRPCServer(
            transport: HTTP2ServerTransport.Posix(
                address: .ipv4(host: String(parts[0]), port: port), transportSecurity: .plaintext,
                eventLoopGroup: group),
            services: [NoopHealth()])
        try await server.serve()
    }
}

/// Check answers SERVING for every service name; Watch is not offered.
struct NoopHealth: Grpc_Health_V1_Health.SimpleServiceProtocol {
    func check(
        request: Grpc_Health_V1_HealthCheckRequest, context: ServerContext
    ) async throws -> Grpc_Health_V1_HealthCheckResponse {
        .with { $0.status = .serving }
    }

    func watch(
        request: Grpc_Health_V1_HealthCheckRequest, response: RPCWriter<Grpc_Health_V1_HealthCheckResponse>,
        context: ServerContext
    ) async throws {
        throw RPCError(code: .unimplemented, message: "grpc-noop offers Check only")
    }
}
