import Foundation
import TronKit

/// A block's identity.
public struct BlockSummary: Sendable, Equatable {
    /// The block number (height); the genesis block is 0.
    public var number: Int64
    /// The 32-byte block id (its first 8 bytes are the number); what TaPoS references.
    public var id: [UInt8]
    /// Milliseconds since the epoch.
    public var timestamp: Int64

    /// A block's number, id and timestamp (ms).
    public init(number: Int64, id: [UInt8], timestamp: Int64) {
        self.number = number
        self.id = id
        self.timestamp = timestamp
    }
}

/// A broadcast's answer. `code` is nil (SUCCESS) when the node accepted the transaction.
public struct BroadcastReply: Sendable, Equatable {
    /// The node's refusal code (SIGERROR, TAPOS_ERROR, DUP_TRANSACTION_ERROR …), nil when accepted.
    public var code: String?
    /// The node's message as it sent it (hex-encoded UTF-8 on java-tron's failure shape); "" when none.
    public var message: String
    /// The txID the node answered with, or the transaction's own when it sent none.
    public var txid: String

    /// Whether the node took the transaction into its pool (code SUCCESS). Not inclusion: only a receipt says that.
    public var accepted: Bool { code == nil }

    /// A reply; `code` nil means accepted.
    public init(code: String?, message: String, txid: String) {
        self.code = code
        self.message = message
        self.txid = txid
    }
}

/// A transaction's receipt (`gettransactioninfobyid`), once it is in a block.
public struct TransactionReceipt: Sendable, Equatable {
    /// The transaction's id, 64 hex characters, as the node answered it.
    public var txid: String
    /// The block that included the transaction.
    public var blockNumber: Int64
    /// That block's timestamp, milliseconds since the epoch.
    public var blockTimestamp: Int64
    /// Sun burned in all.
    public var fee: Int64
    /// Energy the call used (`receipt.energy_usage_total`), 0 when absent.
    public var energyUsed: Int64
    /// Bandwidth bytes used (`receipt.net_usage`, else `net_fee` / 1 000 sun per byte), 0 when absent.
    public var bandwidthUsed: Int64
    /// The contract result (SUCCESS, REVERT, OUT_OF_ENERGY …); nil for TRX transfers.
    public var contractResult: String?
    /// The top-level `"result":"FAILED"`.
    public var failed: Bool
    /// The node's `resMessage`, hex-decoded when it is hex; nil when absent.
    public var message: String?

    /// A receipt as read from `gettransactioninfobyid`; fees and usage in sun, energy and bytes.
    public init(
        txid: String, blockNumber: Int64, blockTimestamp: Int64, fee: Int64, energyUsed: Int64, bandwidthUsed: Int64,
        contractResult: String?, failed: Bool, message: String?
    ) {
        self.txid = txid
        self.blockNumber = blockNumber
        self.blockTimestamp = blockTimestamp
        self.fee = fee
        self.energyUsed = energyUsed
        self.bandwidthUsed = bandwidthUsed
        self.contractResult = contractResult
        self.failed = failed
        self.message = message
    }

    /// TRC-20 success: no FAILED and `receipt.result == "SUCCESS"`. A receipt without a result is not success
    /// (for a contract call it is an anomaly; the processor waits and reports it).
    public var succeeded: Bool { !failed && contractResult == "SUCCESS" }
}

/// Why a call to the node failed.
public enum TronNodeError: Error, Sendable, CustomStringConvertible {
    /// No answer: connection, timeout, or a 5xx after every retry.
    case unreachable(String)
    /// The node answered with `{"Error": …}` or an unexpected shape; never to be read as "not found".
    case node(String)

    /// `TRON node unreachable: …` or `TRON node error: …`, naming the path and what the node answered.
    public var description: String {
        switch self {
        case .unreachable(let detail): "TRON node unreachable: \(detail)"
        case .node(let detail): "TRON node error: \(detail)"
        }
    }
}
