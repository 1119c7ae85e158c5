import Foundation
import GRDB
import PaymentCore

extension SQLiteLedger {
    /// Inserts one payout inside the caller's savepoint, or finds its idempotent twin.
    static func insert(_ new: NewPayout, limits: LimitPolicy, db: Database) throws -> CreateOutcome<Payout> {
        let payout = new.payout
        if let existing = try IdempotencyRecord.find(scope: new.idempotencyScope, key: payout.idempotencyKey, db: db) {
            try existing.requireSame(fingerprint: new.fingerprint, key: payout.idempotencyKey)
            guard let payoutID = existing.payoutID, let stored = try fetchPayout(id: payoutID, db: db) else {
                throw IdempotencyRecord.usedForBatch(key: payout.idempotencyKey, batchID: existing.batchID)
            }
            return .replayed(stored)
        }
        if let approval = new.kycApproval {
            try KYCApprovalRecord.requireUsable(approval, at: payout.createdAt, db: db)
        }
        var usage = try LimitUsageWindows(at: payout.createdAt, db: db)
        try limits.admit(payout.amountUnits, usage: usage.usage)
        try usage.add(payout.amountUnits)
        try usage.save(db: db)
        try insertRow(payout, batchIndex: nil, db: db)
        if let approval = new.kycApproval {
            try KYCApprovalRecord.insert(approval, payoutID: payout.id, at: payout.createdAt, db: db)
        }
        try IdempotencyRecord.insert(
            scope: new.idempotencyScope, key: payout.idempotencyKey, fingerprint: new.fingerprint,
            payoutID: payout.id, batchID: nil, at: payout.createdAt, db: db)
        return .created(payout)
    }

    /// Inserts a batch and its payouts inside the caller's savepoint: any refusal rolls all of it back.
    static func insert(_ new: NewBatch, limits: LimitPolicy, db: Database) throws -> CreateOutcome<BatchWithPayouts> {
        let batch = new.batch
        if let existing = try IdempotencyRecord.find(scope: new.idempotencyScope, key: batch.idempotencyKey, db: db) {
            try existing.requireSame(fingerprint: new.fingerprint, key: batch.idempotencyKey)
            guard let batchID = existing.batchID, let stored = try fetchBatch(id: batchID, db: db) else {
                throw IdempotencyRecord.usedForPayout(key: batch.idempotencyKey, payoutID: existing.payoutID)
            }
            return .replayed(stored)
        }
        try LedgerRules.requireDistinctApprovals(new)
        for (index, approval) in new.kycApprovals.enumerated() {
            guard let approval else { continue }
            do {
                try KYCApprovalRecord.requireUsable(approval, at: batch.createdAt, db: db)
            } catch let error as PaymentError {
                throw error.nested(under: "items[\(index)]")
            }
        }
        var usage = try LimitUsageWindows(at: batch.createdAt, db: db)
        for (index, payout) in new.payouts.enumerated() {
            do {
                try limits.admit(payout.amountUnits, usage: usage.usage)
                try usage.add(payout.amountUnits)
            } catch {
                throw PaymentError(error.code, "items[\(index)]: \(error.message)", limit: error.limit)
            }
        }
        try usage.save(db: db)
        try db.cachedStatement(
            sql: """
                INSERT INTO batches (id, idempotency_key, batch_type, item_count, total_units, scheduled_for_ms,
                                     created_at_ms, requested_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(
            arguments: [
                batch.id, batch.idempotencyKey, batch.batchType.rawValue, batch.itemCount, batch.totalUnits,
                batch.scheduledFor.milliseconds, batch.createdAt.milliseconds, batch.requestedBy,
            ])
        for (index, payout) in new.payouts.enumerated() {
            try insertRow(payout, batchIndex: index, db: db)
            if index < new.kycApprovals.count, let approval = new.kycApprovals[index] {
                try KYCApprovalRecord.insert(approval, payoutID: payout.id, at: batch.createdAt, db: db)
            }
        }
        try IdempotencyRecord.insert(
            scope: new.idempotencyScope, key: batch.idempotencyKey, fingerprint: new.fingerprint,
            payoutID: nil, batchID: batch.id, at: batch.createdAt, db: db)
        return .created(BatchWithPayouts(batch: batch, payouts: new.payouts))
    }

    private static func insertRow(_ payout: Payout, batchIndex: Int?, db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO payouts (id, idempotency_key, recipient, amount_units, reason, router, priority, status,
                                     batch_id, batch_index, requested_by, node_id, kyc_hash, created_at_ms,
                                     updated_at_ms, scheduled_for_ms, txid, failure_reason)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(
            arguments: [
                payout.id, payout.idempotencyKey, payout.recipient, payout.amountUnits, payout.reason,
                payout.router.rawValue, payout.priority.rawValue, payout.status.rawValue, payout.batchID, batchIndex,
                payout.requestedBy, payout.nodeID, payout.kycHash, payout.createdAt.milliseconds,
                payout.updatedAt.milliseconds, payout.scheduledFor.milliseconds, payout.txid, payout.failureReason,
            ])
    }
}

/// A stored idempotency key and what it produced.
package struct IdempotencyRecord: Sendable {
    package var fingerprint: String
    package var payoutID: String?
    package var batchID: String?

    package init(fingerprint: String, payoutID: String?, batchID: String?) {
        self.fingerprint = fingerprint
        self.payoutID = payoutID
        self.batchID = batchID
    }

    /// The refusal of a single payout whose key was used for a batch.
    package static func usedForBatch(key: String, batchID: String?) -> PaymentError {
        PaymentError(
            .failedPrecondition,
            "idempotency_key \"\(key)\" was already used for batch \(batchID ?? "?"), not for a single payout",
            field: nil)
    }

    /// The refusal of a batch whose key was used for a single payout.
    package static func usedForPayout(key: String, payoutID: String?) -> PaymentError {
        PaymentError(
            .failedPrecondition,
            "idempotency_key \"\(key)\" was already used for payout \(payoutID ?? "?"), not for a batch")
    }

    static func find(scope: String, key: String, db: Database) throws -> IdempotencyRecord? {
        try Row.fetchOne(
            db.cachedStatement(
                sql: "SELECT fingerprint, payout_id, batch_id FROM idempotency_keys WHERE scope = ? AND key = ?"),
            arguments: [scope, key]
        ).map { IdempotencyRecord(fingerprint: $0["fingerprint"], payoutID: $0["payout_id"], batchID: $0["batch_id"]) }
    }

    static func insert(
        scope: String, key: String, fingerprint: String, payoutID: String?, batchID: String?, at: Date, db: Database
    ) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO idempotency_keys (scope, key, fingerprint, payout_id, batch_id, created_at_ms)
                VALUES (?, ?, ?, ?, ?, ?)
                """
        ).execute(
            arguments: [scope, key, fingerprint, payoutID, batchID, at.milliseconds])
    }

    package func requireSame(fingerprint: String, key: String) throws(PaymentError) {
        guard fingerprint == self.fingerprint else {
            let target = payoutID.map { "payout \($0)" } ?? batchID.map { "batch \($0)" } ?? "another request"
            throw PaymentError(
                .failedPrecondition,
                "idempotency_key \"\(key)\" was already used for a different request (\(target)); use a new key for a new payout"
            )
        }
    }
}

/// The usage rows of the UTC day and hour that hold an instant.
package struct LimitUsageWindows {
    let dayKey: String
    let hourKey: String
    var usage: LimitUsage

    init(at instant: Date, db: Database) throws {
        dayKey = Self.dayKey(instant)
        hourKey = Self.hourKey(instant)
        let day =
            try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT units FROM limit_usage WHERE window = ?"), arguments: [dayKey]) ?? 0
        let hour =
            try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT units FROM limit_usage WHERE window = ?"), arguments: [hourKey]) ?? 0
        usage = LimitUsage(dayUnits: day, hourUnits: hour)
    }

    mutating func add(_ units: Int64) throws(PaymentError) {
        usage = try usage.adding(units)
    }

    func save(db: Database) throws {
        for (key, units) in [(dayKey, usage.dayUnits), (hourKey, usage.hourUnits)] {
            try db.cachedStatement(
                sql:
                    "INSERT INTO limit_usage (window, units) VALUES (?, ?) ON CONFLICT(window) DO UPDATE SET units = excluded.units"
            ).execute(arguments: [key, units])
        }
    }

    package static func dayKey(_ instant: Date) -> String {
        "day:\(Int64(UTCWindow.dayStart(instant).timeIntervalSince1970))"
    }
    package static func hourKey(_ instant: Date) -> String {
        "hour:\(Int64(UTCWindow.hourStart(instant).timeIntervalSince1970))"
    }
}
