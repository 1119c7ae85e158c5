import Foundation
import Logging
import PaymentCore
import PaymentStore

/// A ledger in a fresh temporary directory, and payout builders.
struct TemporaryLedger {
    let directory: URL
    var path: String { directory.appendingPathComponent("ledger.sqlite").path }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func open() throws -> SQLiteLedger { try SQLiteLedger(path: path, logger: Logger(label: "test")) }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

enum Make {
    static let now = ISO8601DateFormatter().date(from: "2026-11-22T10:15:00Z")!
    static let roomy = LimitPolicy(dailyUnits: 1_000_000_000_000, hourlyUnits: 100_000_000_000)

    static func payoutID() -> String {
        var generator = SystemRandomNumberGenerator()
        return Identifier.make(prefix: Identifier.payoutPrefix, using: &generator)
    }

    static func payout(
        key: String, amount: Int64 = 1_000_000, at: Date = now, batchID: String? = nil,
        requestedBy: String = "ops/test",
        recipient: String = "TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf"
    ) -> Payout {
        Payout(
            id: payoutID(), idempotencyKey: key, recipient: recipient, amountUnits: amount, reason: "test", router: .v0,
            priority: .immediate, status: .pending, batchID: batchID, requestedBy: requestedBy, createdAt: at,
            updatedAt: at, scheduledFor: at)
    }

    static func new(_ payout: Payout, fingerprint: String? = nil) -> NewPayout {
        NewPayout(
            payout: payout, fingerprint: fingerprint ?? "fp-\(payout.amountUnits)", idempotencyScope: payout.requestedBy
        )
    }

    static func batch(key: String, amounts: [Int64], at: Date = now) -> NewBatch {
        var generator = SystemRandomNumberGenerator()
        let id = Identifier.make(prefix: Identifier.batchPrefix, using: &generator)
        let payouts = amounts.enumerated().map { index, amount in
            payout(key: "\(key)/\(index)", amount: amount, at: at, batchID: id)
        }
        let batch = Batch(
            id: id, idempotencyKey: key, batchType: .immediate, itemCount: payouts.count,
            totalUnits: amounts.reduce(0, &+), scheduledFor: at, createdAt: at, requestedBy: "ops/test")
        return NewBatch(batch: batch, payouts: payouts, fingerprint: "batch-\(amounts)", idempotencyScope: "ops/test")
    }
}
