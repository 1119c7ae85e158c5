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
        /// The dynamic-energy penalty included in `energyUsage` (`energy_penalty_total`).
        var energyPenalty: Int64?
        /// Staked energy the call used (`energy_usage`); `energyUsage` is the total (`energy_usage_total`).
        var energyFromStake: Int64?
        /// Unstaked TRX returned to the balance (`withdraw_expire_amount`), for Unfreeze and WithdrawExpireUnfreeze.
        var withdrawExpireAmount: Int64?
        /// Whether the bandwidth came from stake or the free allowance (then `netUsage` bytes, no `netFee`).
        var bandwidthFromAllowance: Bool?

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
    /// Stake 2.0 positions and resource usage, by hex address (absent: nothing staked or used).
    var resources: [String: DevnetAccountResources] = [:]
    /// Delegations of staked resources between accounts.
    var delegations: [DevnetDelegation] = []

    init() {}

    enum CodingKeys: String, CodingKey {
        case blocks, transactions, pending, trx, usdt, resources, delegations
    }

    /// Reads a state file, including one written before resources existed.
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        blocks = try container.decode([Block].self, forKey: .blocks)
        transactions = try container.decode([String: Transaction].self, forKey: .transactions)
        pending = try container.decode([Pending].self, forKey: .pending)
        trx = try container.decode([String: Int64].self, forKey: .trx)
        usdt = try container.decode([String: Int64].self, forKey: .usdt)
        resources = try container.decodeIfPresent([String: DevnetAccountResources].self, forKey: .resources) ?? [:]
        delegations = try container.decodeIfPresent([DevnetDelegation].self, forKey: .delegations) ?? []
    }
}
