import Foundation
import PaymentCore

/// The hot wallet's staking operations, as both stores keep them (table `treasury_operations`). Each operation is
/// stored with its one signed transaction in the same write that claims its idempotency key, so the bytes are
/// durable before they are broadcast, and a repeat of the request answers the stored operation.
///
/// Several instances (PostgreSQL) need no lease here: an operation's transaction never changes, so any instance may
/// send its stored bytes again (the node deduplicates by txID), and every status write is compare-and-set on the
/// status it moves from (a final one never changes).
public protocol TreasuryLedger: Sendable {
    /// Stores `new` SIGNED with its transaction, or answers the operation `new`'s idempotency key already names
    /// (`.replayed`) when the fingerprint matches; a key reused for another operation is FAILED_PRECONDITION.
    func recordTreasuryOperation(_ new: NewTreasuryOperation) async throws -> CreateOutcome<TreasuryOperation>

    /// One operation, or nil.
    func treasuryOperation(id: String) async throws -> TreasuryOperation?

    /// The operation stored under `idempotencyKey` of `idempotencyScope`, with its request's fingerprint, or nil:
    /// a repeat is answered from the ledger alone, before any node call or signature.
    func treasuryOperation(idempotencyScope: String, idempotencyKey: String) async throws
        -> (operation: TreasuryOperation, fingerprint: String)?

    /// The operations not final yet (SIGNED or BROADCAST), oldest first, with their transaction.
    func openTreasuryOperations() async throws -> [OpenTreasuryOperation]

    /// A node accepted the transaction: SIGNED → BROADCAST (a BROADCAST or final operation is left as it is).
    func recordTreasuryBroadcast(id: String, at now: Date) async throws

    /// The transaction is in a block not yet solid: remembers which, and a SIGNED operation is BROADCAST from then
    /// on (an open operation only).
    func recordTreasuryIncluded(id: String, blockNumber: Int64, at now: Date) async throws

    /// The first send of the freshly signed bytes was refused for good (rule 7): FAILED with `reason`, but only
    /// while still SIGNED. An operation a node accepted meanwhile (another send of the same bytes) stays open.
    func recordTreasuryRefusal(id: String, reason: String, at now: Date) async throws

    /// The operation is final: CONFIRMED with its receipt, or FAILED with the reason. An operation already final is
    /// left as it is (the first final answer stands).
    func recordTreasuryFinal(id: String, outcome: FinalOutcome, at now: Date) async throws
}

/// An operation to store, with its signed transaction.
public struct NewTreasuryOperation: Sendable {
    /// The operation as it is stored: status SIGNED, its txid the transaction's.
    public var operation: TreasuryOperation
    /// The signed transaction: exactly the bytes that will be broadcast.
    public var transaction: StoredTransaction
    /// Whose keys the idempotency key is among (the caller's `requestedBy`).
    public var idempotencyScope: String
    /// The caller's key.
    public var idempotencyKey: String
    /// `RequestFingerprint.treasury` of the operation.
    public var fingerprint: String

    /// An operation ready to store.
    public init(
        operation: TreasuryOperation, transaction: StoredTransaction, idempotencyScope: String,
        idempotencyKey: String, fingerprint: String
    ) {
        self.operation = operation
        self.transaction = transaction
        self.idempotencyScope = idempotencyScope
        self.idempotencyKey = idempotencyKey
        self.fingerprint = fingerprint
    }
}

/// An operation not final yet, with its one transaction.
public struct OpenTreasuryOperation: Sendable {
    /// SIGNED or BROADCAST.
    public var operation: TreasuryOperation
    /// Its transaction as stored.
    public var transaction: StoredTransaction

    /// An open operation as `openTreasuryOperations` reads it.
    public init(operation: TreasuryOperation, transaction: StoredTransaction) {
        self.operation = operation
        self.transaction = transaction
    }
}

extension PaymentError {
    /// FAILED_PRECONDITION for an idempotency key reused for another treasury operation (both stores).
    public static func treasuryKeyReused(_ key: String, existing: String) -> PaymentError {
        PaymentError(
            .failedPrecondition,
            "idempotency_key \(key) was used for another treasury operation (\(existing)); use a new key for a new "
                + "operation")
    }
}
