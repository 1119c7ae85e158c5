import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import PaymentAPI
import Synchronization

/// Load generator for payment-rpc: CreatePayout at fixed concurrency (closed loop) and at a fixed offered rate
/// (open loop, latency measured from each request's scheduled start), and 1,000-item CreateBatch. Prints figures.
@main
struct PaymentBench: AsyncParsableCommand {
    @Option(help: "The server's gRPC address, host:port.") var target = "127.0.0.1:50051"
    @Option(help: "Concurrency levels for the closed-loop runs.") var concurrency: [Int] = [1, 16, 64]
    @Option(help: "Seconds per closed-loop run.") var seconds: Double = 5
    @Option(help: "Offered rate for the open-loop run (requests/s); 0 skips it.") var rate: Int = 1_000
    @Option(help: "1,000-item batches to time; 0 skips them.") var batches: Int = 10

    func run() async throws {
        let parts = target.split(separator: ":")
        let transport = try HTTP2ClientTransport.Posix(
            target: .ipv4(address: String(parts[0]), port: Int(parts[1])!), transportSecurity: .plaintext)
        try await withGRPCClient(transport: transport) { client in
            let payments = Lucid_Payment_V1_PaymentService.Client(wrapping: client)
            let run = UUID().uuidString.prefix(8)
            _ = try await payments.createPayout(request(key: "\(run)-warmup"))
            for level in concurrency {
                let result = try await closedLoop(payments, concurrency: level, run: "\(run)-c\(level)")
                print(result.report(name: "CreatePayout, \(level) concurrent callers"))
            }
            if rate > 0 {
                let result = try await openLoop(payments, rate: rate, run: "\(run)-open")
                print(result.report(name: "CreatePayout, \(rate)/s offered"))
            }
            if batches > 0 {
                var timings: [Duration] = []
                for index in 0..<batches {
                    let started = ContinuousClock.now
                    let response = try await payments.createBatch(batch(key: "\(run)-batch-\(index)", items: 1_000))
                    precondition(response.payouts.count == 1_000)
                    timings.append(ContinuousClock.now - started)
                }
                print(
                    Stats(latencies: timings, elapsed: timings.reduce(.zero, +), errors: 0).report(
                        name: "CreateBatch of 1,000 items"))
            }
        }
    }

    func request(key: String) -> Lucid_Payment_V1_CreatePayoutRequest {
        .with {
            $0.idempotencyKey = key
            $0.recipientAddress = "TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf"
            $0.amountUnits = 1
            $0.reason = "benchmark"
        }
    }

    func batch(key: String, items: Int) -> Lucid_Payment_V1_CreateBatchRequest {
        .with {
            $0.idempotencyKey = key
            $0.items = (0..<items).map { _ in
                .with {
                    $0.recipientAddress = "TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf"
                    $0.amountUnits = 1
                    $0.reason = "benchmark batch"
                }
            }
        }
    }

    func closedLoop(
        _ payments: Lucid_Payment_V1_PaymentService.Client<HTTP2ClientTransport.Posix>, concurrency: Int, run: String
    ) async throws -> Stats {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        let started = ContinuousClock.now
        let perCaller = await withTaskGroup(of: ([Duration], Int).self) { group in
            for caller in 0..<concurrency {
                group.addTask {
                    var latencies: [Duration] = []
                    var errors = 0
                    var index = 0
                    while ContinuousClock.now < deadline {
                        let begin = ContinuousClock.now
                        do {
                            _ = try await payments.createPayout(request(key: "\(run)-\(caller)-\(index)"))
                            latencies.append(ContinuousClock.now - begin)
                        } catch {
                            errors += 1
                        }
                        index += 1
                    }
                    return (latencies, errors)
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        return Stats(
            latencies: perCaller.flatMap(\.0), elapsed: ContinuousClock.now - started,
            errors: perCaller.map(\.1).reduce(0, +))
    }

    func openLoop(
        _ payments: Lucid_Payment_V1_PaymentService.Client<HTTP2ClientTransport.Posix>, rate: Int, run: String
    ) async throws -> Stats {
        let total = Int(Double(rate) * seconds)
        let interval = Duration.nanoseconds(1_000_000_000 / rate)
        let started = ContinuousClock.now
        let recorder = Recorder()
        await withDiscardingTaskGroup { group in
            for index in 0..<total {
                let scheduled = started + interval * index
                try? await Task.sleep(until: scheduled)
                group.addTask {
                    do {
                        _ = try await payments.createPayout(request(key: "\(run)-\(index)"))
                        let latency = ContinuousClock.now - scheduled
                        recorder.latencies.withLock { $0.append(latency) }
                    } catch {
                        recorder.errors.add(1, ordering: .relaxed)
                    }
                }
            }
        }
        return Stats(
            latencies: recorder.latencies.withLock { $0 }, elapsed: ContinuousClock.now - started,
            errors: recorder.errors.load(ordering: .relaxed))
    }
}

/// Results shared by the open-loop tasks.
final class Recorder: Sendable {
    let latencies = Mutex<[Duration]>([])
    let errors = Atomic<Int>(0)
}

struct Stats {
    var latencies: [Duration]
    var elapsed: Duration
    var errors: Int

    func report(name: String) -> String {
        let sorted = latencies.sorted()
        func percentile(_ p: Double) -> String {
            guard !sorted.isEmpty else { return "-" }
            let value = sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
            return String(
                format: "%.2f ms", Double(value.components.attoseconds) / 1e15 + Double(value.components.seconds) * 1000
            )
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let throughput = Double(sorted.count) / seconds
        return String(
            format: "%@: %d ok, %d errors, %.0f/s, p50 %@, p99 %@, max %@", name, sorted.count, errors, throughput,
            percentile(0.50), percentile(0.99), percentile(1.0))
    }
}
