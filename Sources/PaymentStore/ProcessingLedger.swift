import Foundation
import PaymentCore

/// What the payout processor needs from the ledger, beyond creating and reading payouts. Each method is one
/// durable transaction that moves a payout along its state machine and refuses illegal moves.
public protocol ProcessingLedger: PayoutLedger, TreasuryLedger {
    /// Payouts due at `now` (PENDING, or SCHEDULED whose time has come) whose next attempt is not in the future,
    /// oldest due first.
    func duePayouts(at now: Date, limit: Int) async throws -> [Payout]

    /// Payouts with a transaction that may be on its way (SIGNED or BROADCAST), with their live transaction.
    func inFlightPayouts() async throws -> [InFlightPayout]

    /// Stores a signed transaction and moves the payout to SIGNED. Durable before the transaction is broadcast.
    /// A payout that already has a live transaction is refused: its old one must be retired first. With
    /// `outflowLimits`, the signed outflow of `now`'s windows is summed in the same transaction, under a lock every
    /// signer takes, and a transaction that would pass a limit is refused with `OutflowRefusal` (rule 8 holds for
    /// several processors on one ledger, not only for one).
    func recordSigned(payoutID: String, transaction: StoredTransaction, outflowLimits: LimitPolicy?, at now: Date)
        async throws

    /// Of `payoutIDs`, the ones this processor still holds a lease on, renewed. A store with one processor holds
    /// every payout. The processor sends fresh bytes only for payouts in the answer.
    func renewLeases(payoutIDs: [String]) async throws -> Set<String>

    /// A node accepted the transaction: SIGNED → BROADCAST.
    func recordBroadcast(payoutID: String, txid: String, at now: Date) async throws

    /// The transaction is in a block (not yet solid): remembers where.
    func recordIncluded(payoutID: String, txid: String, blockNumber: Int64, blockTime: Date, at now: Date) async throws

    /// The live transaction provably cannot land (expired, not on chain): retired, the payout counts an attempt
    /// and waits until `retryAt` for a new transaction, or fails when `failReason` is given.
    func retireTransaction(
        payoutID: String, txid: String, failReason: String?, retryAt: Date, error: String, at now: Date) async throws

    /// The payout reached a final state with its receipt: CONFIRMED, or FAILED with the reason.
    func recordFinal(payoutID: String, txid: String?, outcome: FinalOutcome, at now: Date) async throws

    /// Notes a transient problem (node unreachable, bandwidth) and when to look again; the status is unchanged.
    func recordDeferral(payoutID: String, error: String, retryAt: Date, at now: Date) async throws

    /// Transactions recorded for a payout, oldest first.
    func transactions(ofPayout payoutID: String) async throws -> [StoredTransaction]

    /// The amounts signed since `hourStart` and since `dayStart` (by the transaction's signing time), counting
    /// every transaction that is not retired: LIVE, CONFIRMED and FAILED ones count, EXPIRED ones (provably never
    /// landed) do not. The sums are checked: an overflow is an error, never a wrapped number.
    func signedOutflow(hourStart: Date, dayStart: Date) async throws -> PayoutStep.Outflow

    /// How many payouts are due at `now` and waiting for a next attempt that has come (what `duePayouts` would
    /// return without a limit).
    func countDuePayouts(at now: Date) async throws -> Int
}

extension ProcessingLedger {
    /// `recordSigned` without an outflow check (the processor's own check is the only one).
    public func recordSigned(payoutID: String, transaction: StoredTransaction, at now: Date) async throws {
        try await recordSigned(payoutID: payoutID, transaction: transaction, outflowLimits: nil, at: now)
    }
}

/// `recordSigned` refused a transaction because signing it would pass an outflow limit (rule 8): nothing was
/// stored; the payout waits for the next window.
public struct OutflowRefusal: Error, Sendable, Equatable {
    /// When the window that is full ends.
    public var until: Date
    /// Which window is full.
    public var limit: PayoutStep.OutflowLimit
    /// What the window holds and what would pass it, for logs and GetStats.
    public var reason: String

    /// A refusal as `recordSigned` throws it.
    public init(until: Date, limit: PayoutStep.OutflowLimit, reason: String) {
        self.until = until
        self.limit = limit
        self.reason = reason
    }
}

/// A processing write was refused because this processor no longer holds the payout's lease: another instance
/// claimed it after the lease ran out (this one was paused, partitioned or slow). Nothing was written; the other
/// instance now owns the payout.
public struct LeaseLost: Error, Sendable, Equatable, CustomStringConvertible {
    /// The payout whose lease is gone.
    public var payoutID: String
    /// This processor's fencing token (its epoch).
    public var epoch: Int64

    /// The refusal of a write fenced by `epoch`.
    public init(payoutID: String, epoch: Int64) {
        self.payoutID = payoutID
        self.epoch = epoch
    }

    /// The problem in words, for logs and operators.
    public var description: String {
        "payout \(payoutID): the lease of processor epoch \(epoch) was taken by another instance; nothing written"
    }
}

/// A signed transaction as stored: exactly the bytes broadcast.
public struct StoredTransaction: Sendable, Equatable {
    /// The transaction id, 64 lowercase hex characters: SHA-256 of raw_data; the primary key of the stored rows.
    public var txid: String
    /// The whole signed Transaction protobuf.
    public var transactionBytes: [UInt8]
    /// raw_data.expiration, milliseconds since the epoch.
    public var expirationMilliseconds: Int64
    /// LIVE until retired (EXPIRED) or final (CONFIRMED, FAILED).
    public var outcome: String

    /// A transaction as `recordSigned` stores it (LIVE) or `transactions(ofPayout:)` reads it back.
    public init(txid: String, transactionBytes: [UInt8], expirationMilliseconds: Int64, outcome: String = "LIVE") {
        self.txid = txid
        self.transactionBytes = transactionBytes
        self.expirationMilliseconds = expirationMilliseconds
        self.outcome = outcome
    }
}

/// A payout in SIGNED or BROADCAST with its live transaction.
public struct InFlightPayout: Sendable {
    /// The payout, SIGNED or BROADCAST.
    public var payout: Payout
    /// Its one LIVE transaction (rule 1 of `PayoutProcessor.swift`: never more than one).
    public var transaction: StoredTransaction
    /// How many of its transactions were retired as provably dead; `PayoutStep.Settings.maxAttempts` bounds it.
    public var attempts: Int
    /// Not before this instant may the same bytes be sent again (set by `recordDeferral`; the distant past when
    /// nothing deferred it).
    public var nextAttempt: Date

    /// An in-flight payout as `inFlightPayouts` reads it.
    public init(payout: Payout, transaction: StoredTransaction, attempts: Int, nextAttempt: Date) {
        self.payout = payout
        self.transaction = transaction
        self.attempts = attempts
        self.nextAttempt = nextAttempt
    }
}

/// A final outcome and its receipt figures.
public struct FinalOutcome: Sendable, Equatable {
    /// True for CONFIRMED (receipt result SUCCESS), false for FAILED.
    public var confirmed: Bool
    /// For failures: why (the receipt's result, or the node's refusal).
    public var reason: String?
    /// Number of the solid block holding the transaction; nil when the failure has no receipt (a refusal).
    public var blockNumber: Int64?
    /// That block's timestamp; nil with `blockNumber`.
    public var blockTime: Date?
    /// Sun burned by the transaction (energy and bandwidth fees), from the receipt.
    public var feeSun: Int64?
    /// Energy the transaction consumed, from the receipt.
    public var energyUsed: Int64?
    /// Bandwidth (bytes) the transaction consumed, from the receipt.
    public var bandwidthUsed: Int64?

    /// An outcome as the processor builds it from a `PayoutStep.Action.finish` or a final broadcast refusal.
    public init(
        confirmed: Bool, reason: String? = nil, blockNumber: Int64? = nil, blockTime: Date? = nil, feeSun: Int64? = nil,
        energyUsed: Int64? = nil, bandwidthUsed: Int64? = nil
    ) {
        self.confirmed = confirmed
        self.reason = reason
        self.blockNumber = blockNumber
        self.blockTime = blockTime
        self.feeSun = feeSun
        self.energyUsed = energyUsed
        self.bandwidthUsed = bandwidthUsed
    }
}

/// The receipt figures of a payout, for the transaction status RPCs.
public struct PayoutChainRecord: Sendable, Equatable {
    /// Number of the block holding the payout's transaction, once seen.
    public var blockNumber: Int64?
    /// That block's timestamp.
    public var blockTime: Date?
    /// Sun burned by the transaction, once final.
    public var feeSun: Int64?
    /// Energy the transaction consumed, once final.
    public var energyUsed: Int64?
    /// Bandwidth (bytes) the transaction consumed, once final.
    public var bandwidthUsed: Int64?
    /// How many of the payout's transactions were retired as provably dead.
    public var attempts: Int
    /// The last transient problem noted (`recordDeferral`, `retireTransaction`); nil after a success.
    public var lastError: String?
}
