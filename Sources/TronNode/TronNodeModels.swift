import Foundation
import TronKit

/// A block's identity.
public struct BlockSummary: Sendable, Equatable {
    public var number: Int64
    public var id: [UInt8]
    /// Milliseconds since the epoch.
    public var timestamp: Int64

    public init(number: Int64, id: [UInt8], timestamp: Int64) {
        self.number = number
        self.id = id
        self.timestamp = timestamp
    }
}

/// A broadcast's answer. `code` is nil (SUCCESS) when the node accepted the transaction.
public struct BroadcastReply: Sendable, Equatable {
    public var code: String?
    public var message: String
    public var txid: String

    public var accepted: Bool { code == nil }

    public init(code: String?, message: String, txid: String) {
        self.code = code
        self.message = message
        self.txid = txid
    }
}

/// A transaction's receipt (`gettransactioninfobyid`), once it is in a block.
public struct TransactionReceipt: Sendable, Equatable {
    public var txid: String
    public var blockNumber: Int64
    public var blockTimestamp: Int64
    /// Sun burned in all.
    public var fee: Int64
    public var energyUsed: Int64
    public var bandwidthUsed: Int64
    /// The contract result (SUCCESS, REVERT, OUT_OF_ENERGY …); nil for TRX transfers.
    public var contractResult: String?
    /// The top-level `"result":"FAILED"`.
    public var failed: Bool
    public var message: String?

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

    public var description: String {
        switch self {
        case .unreachable(let detail): "TRON node unreachable: \(detail)"
        case .node(let detail): "TRON node error: \(detail)"
        }
    }
}
