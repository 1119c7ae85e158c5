import Foundation
import TronKit

/// A Stake 2.0 operation of the hot wallet (stake, unstake, withdraw, delegate, undelegate): one signed transaction,
/// stored before it is broadcast and followed to a solid block.
///
/// Exactly once: an operation has exactly one transaction, fixed when it is recorded, so it can land at most once.
/// A transaction that provably never landed (rule 1 of `PayoutProcessor`, the same proof) fails the operation; it
/// is never signed afresh, so no interleaving of crashes and retries can stake twice. The operator retries with a
/// new idempotency key, knowing the first did nothing.
public struct TreasuryOperation: Sendable, Equatable {
    /// "tr_" + 32 lowercase hex characters.
    public var id: String
    /// What the transaction does.
    public var action: StakeOperation
    /// SIGNED until a node accepts it, BROADCAST until it is final, then CONFIRMED or FAILED.
    public var status: Status
    /// The transaction's id, 64 lowercase hex characters.
    public var txid: String
    /// Who asked (`CallerIdentity.requestedBy`).
    public var requestedBy: String
    /// When it was recorded.
    public var createdAt: Date
    /// When its status last changed.
    public var updatedAt: Date
    /// The block holding the transaction, once seen in one.
    public var blockNumber: Int64?
    /// Sun the transaction burned, once final.
    public var feeSun: Int64?
    /// Why it failed.
    public var failureReason: String?

    /// Where an operation stands.
    public enum Status: String, Sendable, Equatable, CaseIterable {
        /// Signed and durable; no node is known to have accepted it.
        case signed = "SIGNED"
        /// A node accepted it.
        case broadcast = "BROADCAST"
        /// In a solid block, executed.
        case confirmed = "CONFIRMED"
        /// Refused on its first send, failed in its block, or provably never landed.
        case failed = "FAILED"

        /// CONFIRMED and FAILED never change again.
        public var isFinal: Bool { self == .confirmed || self == .failed }
    }

    /// An operation as the ledger stores and reads it.
    public init(
        id: String, action: StakeOperation, status: Status, txid: String, requestedBy: String, createdAt: Date,
        updatedAt: Date, blockNumber: Int64? = nil, feeSun: Int64? = nil, failureReason: String? = nil
    ) {
        self.id = id
        self.action = action
        self.status = status
        self.txid = txid
        self.requestedBy = requestedBy
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.blockNumber = blockNumber
        self.feeSun = feeSun
        self.failureReason = failureReason
    }
}

extension Identifier {
    /// Treasury operation ids: "tr_" + 32 lowercase hex characters.
    public static let treasuryPrefix = "tr_"

    /// Throws INVALID_ARGUMENT naming `field` when `text` is not "tr_" + 32 lowercase hex characters.
    public static func validateTreasuryOperationID(_ text: String, field: String = "operation_id") throws(PaymentError)
    {
        guard !text.isEmpty else { throw .invalid(field, "is required") }
        guard isWellFormed(text, prefix: treasuryPrefix) else {
            throw .invalid(field, "must be \"tr_\" followed by 32 lowercase hex characters")
        }
    }
}

/// The columns a `StakeOperation` is stored as, the same in both stores, and back.
public struct StakeOperationColumns: Sendable, Equatable {
    /// STAKE, UNSTAKE, WITHDRAW_UNSTAKED, DELEGATE_RESOURCE or UNDELEGATE_RESOURCE.
    public var kind: String
    /// ENERGY or BANDWIDTH; nil for WITHDRAW_UNSTAKED.
    public var resource: String?
    /// Sun; 0 for WITHDRAW_UNSTAKED.
    public var amountSun: Int64
    /// The borrower, base58, for the two delegation kinds.
    public var receiver: String?
    /// The lock period in blocks of a locked delegation.
    public var lockPeriodBlocks: Int64?

    /// The columns of `operation`.
    public init(_ operation: StakeOperation) {
        switch operation {
        case .freeze(let amount, let resource):
            self.init(kind: "STAKE", resource: resource.rawValue, amountSun: amount)
        case .unfreeze(let amount, let resource):
            self.init(kind: "UNSTAKE", resource: resource.rawValue, amountSun: amount)
        case .withdrawExpired:
            self.init(kind: "WITHDRAW_UNSTAKED", resource: nil, amountSun: 0)
        case .delegate(let amount, let resource, let receiver, let lock):
            self.init(
                kind: "DELEGATE_RESOURCE", resource: resource.rawValue, amountSun: amount, receiver: receiver.base58,
                lockPeriodBlocks: lock)
        case .undelegate(let amount, let resource, let receiver):
            self.init(
                kind: "UNDELEGATE_RESOURCE", resource: resource.rawValue, amountSun: amount, receiver: receiver.base58)
        }
    }

    /// Columns as read from a row.
    public init(
        kind: String, resource: String?, amountSun: Int64, receiver: String? = nil, lockPeriodBlocks: Int64? = nil
    ) {
        self.kind = kind
        self.resource = resource
        self.amountSun = amountSun
        self.receiver = receiver
        self.lockPeriodBlocks = lockPeriodBlocks
    }

    /// The operation the columns describe; throws for a row no binary of this project writes.
    public func operation() throws -> StakeOperation {
        func resourceValue() throws -> TronResource {
            guard let resource, let value = TronResource(rawValue: resource) else {
                throw PaymentError(.internal, "treasury operation row: resource \(resource ?? "NULL") is unknown")
            }
            return value
        }
        func receiverValue() throws -> TronAddress {
            guard let receiver, let address = try? TronAddress(base58: receiver) else {
                throw PaymentError(.internal, "treasury operation row: receiver \(receiver ?? "NULL") is no address")
            }
            return address
        }
        switch kind {
        case "STAKE": return .freeze(amountSun: amountSun, resource: try resourceValue())
        case "UNSTAKE": return .unfreeze(amountSun: amountSun, resource: try resourceValue())
        case "WITHDRAW_UNSTAKED": return .withdrawExpired
        case "DELEGATE_RESOURCE":
            return .delegate(
                amountSun: amountSun, resource: try resourceValue(), receiver: try receiverValue(),
                lockPeriodBlocks: lockPeriodBlocks)
        case "UNDELEGATE_RESOURCE":
            return .undelegate(amountSun: amountSun, resource: try resourceValue(), receiver: try receiverValue())
        default: throw PaymentError(.internal, "treasury operation row: kind \(kind) is unknown")
        }
    }
}

extension RequestFingerprint {
    /// The fingerprint of a treasury operation request, 64 hex characters: a repeat with the same idempotency key
    /// must ask for the same operation.
    public static func treasury(_ operation: StakeOperation) -> String {
        let columns = StakeOperationColumns(operation)
        return digest([
            "treasury", columns.kind, columns.resource ?? "", String(columns.amountSun), columns.receiver ?? "",
            columns.lockPeriodBlocks.map(String.init) ?? "",
        ])
    }
}
