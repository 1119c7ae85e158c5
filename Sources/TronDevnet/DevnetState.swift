/// The devnet's whole state, persisted as JSON to survive restarts.
struct DevnetState: Codable, Sendable {
    struct Block: Codable, Sendable {
        var number: Int64
        var id: String
        var parentHash: String
        var timestamp: Int64
        var txTrieRoot: String
        var txids: [String]
    }

    /// A transaction the node knows: its exact signed bytes and, once in a block, its receipt.
    struct Transaction: Codable, Sendable {
        var txid: String
        /// The whole signed Transaction protobuf, hex.
        var transactionHex: String
        var blockNumber: Int64?
        var receipt: Receipt?
    }

    /// The execution outcome recorded in a block.
    struct Receipt: Codable, Sendable {
        var blockTimestamp: Int64
        /// SUCCESS, REVERT or OUT_OF_ENERGY for contract calls; nil for TRX transfers.
        var contractResult: String?
        var failed: Bool
        var energyUsage: Int64
        var energyFee: Int64
        var netUsage: Int64
        var netFee: Int64
        /// A USDT Transfer event: from, to (hex 41…), amount.
        var transferLog: TransferLog?

        var fee: Int64 { energyFee + netFee }
    }

    struct TransferLog: Codable, Sendable {
        var from: String
        var to: String
        var amount: Int64
    }

    /// A transaction accepted by broadcast, waiting for a block.
    struct Pending: Codable, Sendable {
        var txid: String
        var includeAfter: Int64
    }

    var blocks: [Block] = []
    var transactions: [String: Transaction] = [:]
    var pending: [Pending] = []
    /// TRX balances in sun, by hex address.
    var trx: [String: Int64] = [:]
    /// USDT balances in base units, by hex address.
    var usdt: [String: Int64] = [:]
}
