import ArgumentParser
import Foundation
import Logging
import PaymentCore
import PaymentStore
import PaymentStorePostgres

/// The ledger alone, in process: `createPayout` at fixed concurrency (closed loop) against a SQLite file or a
/// PostgreSQL database, with the group commit the server uses and no gRPC in front. Beside `payment-bench`, which
/// goes through payment-rpc, it tells how much of CreatePayout's cost is the store's. Prints figures.
@main
struct LedgerBench: AsyncParsableCommand {
    @Option(help: "A PostgreSQL ledger, postgres://USER@HOST[:PORT]/DATABASE (migrated if new).") var postgresURL:
        String?
    @Option(help: "A SQLite ledger file (created if missing).") var sqlitePath: String?
    @Option(help: "Concurrency levels.") var concurrency: [Int] = [1, 16, 64]
    @Option(help: "Seconds per level.") var seconds: Double = 5

    func validate() throws {
        guard (postgresURL == nil) != (sqlitePath == nil) else {
            throw ValidationError("give exactly one of --postgres-url and --sqlite-path")
        }
    }

    func run() async throws {
        let logger = Logger(label: "ledger-bench")
        if let postgresURL {
            let parts = try PostgresSettings.parse(url: postgresURL)
            let settings = PostgresSettings(
                host: parts.host, port: parts.port, username: parts.username, database: parts.database,
                poolSize: max(concurrency.max() ?? 1, 4))
            try await PostgresLedger.withLedger(settings, logger: logger) { ledger in
                try await measure(ledger, store: "postgres")
            }
        } else if let sqlitePath {
            let ledger = try SQLiteLedger(path: sqlitePath, logger: logger)
            try await measure(ledger, store: "sqlite")
            try ledger.close()
        }
    }

    func measure(_ ledger: some PayoutLedger, store: String) async throws {
        let run = UUID().uuidString.prefix(8)
        _ = try await ledger.createPayout(new(key: "\(run)-warmup"), limits: Self.lifted)
        for level in concurrency {
            let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
            let started = ContinuousClock.now
            let perCaller = try await withThrowingTaskGroup(of: [Duration].self) { group in
                for caller in 0..<level {
                    group.addTask {
                        var latencies: [Duration] = []
                        var index = 0
                        while ContinuousClock.now < deadline {
                            let begin = ContinuousClock.now
                            let outcome = try await ledger.createPayout(
                                new(key: "\(run)-c\(level)-\(caller)-\(index)"), limits: Self.lifted)
                            guard case .created = outcome else { throw ValidationError("a new key was replayed") }
                            latencies.append(ContinuousClock.now - begin)
                            index += 1
                        }
                        return latencies
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            print(report(perCaller, elapsed: ContinuousClock.now - started, name: "ledger \(store), \(level) callers"))
        }
    }

    static let lifted = LimitPolicy(dailyUnits: 9_000_000_000_000_000, hourlyUnits: 8_000_000_000_000_000)

    func new(key: String) -> NewPayout {
        var generator = SystemRandomNumberGenerator()
        let now = Date()
        let payout = Payout(
            id: Identifier.make(prefix: Identifier.payoutPrefix, using: &generator), idempotencyKey: key,
            recipient: "TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf", amountUnits: 1, reason: "benchmark", router: .v0,
            priority: .immediate, status: .pending, requestedBy: "bench", createdAt: now, updatedAt: now,
            scheduledFor: now)
        return NewPayout(payout: payout, fingerprint: "fp-\(key)", idempotencyScope: "bench")
    }

    func report(_ latencies: [Duration], elapsed: Duration, name: String) -> String {
        let sorted = latencies.sorted()
        func milliseconds(_ value: Duration) -> Double {
            Double(value.components.seconds) * 1000 + Double(value.components.attoseconds) / 1e15
        }
        func percentile(_ p: Double) -> Double {
            sorted.isEmpty ? 0 : milliseconds(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))])
        }
        return String(
            format: "%@: %d created, %.0f/s, p50 %.2f ms, p99 %.2f ms", name, sorted.count,
            Double(sorted.count) / (milliseconds(elapsed) / 1000), percentile(0.5), percentile(0.99))
    }
}
