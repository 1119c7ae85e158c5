import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import PaymentAPI
import Synchronization

/// The load generator for the sidecar hop: unary grpc.health.v1.Health/Check calls (a trivial upstream, so the hop
/// is what is measured) at a fixed number of concurrent streams, plaintext or mTLS. Prints throughput, p50, p99.
@main
struct HopBench: AsyncParsableCommand {
    @Option(help: "host:port") var target: String
    @Option(help: "Client certificate (PEM); with --key and --ca, connect with mTLS.") var cert: String?
    @Option var key: String?
    @Option var ca: String?
    @Option(help: "Concurrent streams.") var concurrency = 64
    @Option(help: "Seconds to run.") var seconds: Double = 10
    @Option(help: "A label for the report.") var name = "run"

    func run() async throws {
        let parts = target.split(separator: ":")
        let security: HTTP2ClientTransport.Posix.TransportSecurity
        if let cert, let key, let ca {
            security = .mTLS(
                certificateChain: [.file(path: cert, format: .pem)], privateKey: .file(path: key, format: .pem)
            ) {
                $0.trustRoots = .certificates([.file(path: ca, format: .pem)])
            }
        } else {
            security = .plaintext
        }
        let transport = try HTTP2ClientTransport.Posix(
            target: .dns(host: String(parts[0]), port: Int(parts[1])!), transportSecurity: security)
        try await withGRPCClient(transport: transport) { client in
            let health = Grpc_Health_V1_Health.Client(wrapping: client)
            let request = Grpc_Health_V1_HealthCheckRequest.with { $0.service = "lucid.payment.v1.PaymentService" }
            _ = try await health.check(request)
            let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
            let started = ContinuousClock.now
            let results = await withTaskGroup(of: ([Duration], Int).self) { group in
                for _ in 0..<concurrency {
                    group.addTask {
                        var latencies: [Duration] = []
                        var errors = 0
                        while ContinuousClock.now < deadline {
                            let begin = ContinuousClock.now
                            do {
                                _ = try await health.check(request)
                                latencies.append(ContinuousClock.now - begin)
                            } catch {
                                errors += 1
                            }
                        }
                        return (latencies, errors)
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let elapsed = ContinuousClock.now - started
            let sorted = results.flatMap(\.0).sorted()
            func ms(_ value: Duration) -> Double {
                Double(value.components.seconds) * 1000 + Double(value.components.attoseconds) / 1e15
            }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print(
                String(
                    format: "%@: %d ok, %d errors, %.0f calls/s, p50 %.2f ms, p99 %.2f ms", name, sorted.count,
                    results.map(\.1).reduce(0, +), Double(sorted.count) / seconds, ms(sorted[sorted.count / 2]),
                    ms(sorted[min(sorted.count - 1, sorted.count * 99 / 100)])))
        }
    }
}
