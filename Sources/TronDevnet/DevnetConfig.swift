import Foundation
import TronKit

/// How the local node behaves. Defaults follow TRON.md: 3 s blocks, solid = head − 18, Nile's energy price.
public struct DevnetConfig: Sendable {
    /// Milliseconds between blocks; 0 produces blocks only on demand (`POST /admin/produce`).
    public var blockIntervalMilliseconds: Int = 3_000
    /// Blocks behind the head that are solidified.
    public var solidLag: Int64 = 18
    /// Sun per unit of energy (chain parameter getEnergyFee).
    public var energyFee: Int64 = 100
    /// Sun per byte of bandwidth (chain parameter getTransactionFee).
    public var transactionFee: Int64 = 1_000
    /// The largest fee_limit accepted (chain parameter getMaxFeeLimit).
    public var maxFeeLimit: Int64 = 15_000_000_000
    /// The USDT (TRC-20) contract the devnet runs.
    public var usdtContract = try! TronAddress(base58: "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t")
    /// Where state is kept across restarts; nil keeps it in memory only.
    public var stateFile: String?
    /// Funded accounts at genesis.
    public var genesis: [GenesisAccount] = []
    /// Faults to inject.
    public var faults = DevnetFaults()

    public init() {}
}

/// An account funded at genesis.
public struct GenesisAccount: Sendable, Codable, Equatable {
    public var address: String
    public var trxSun: Int64
    public var usdtUnits: Int64

    public init(address: String, trxSun: Int64, usdtUnits: Int64) {
        self.address = address
        self.trxSun = trxSun
        self.usdtUnits = usdtUnits
    }

    enum CodingKeys: String, CodingKey {
        case address
        case trxSun = "trx_sun"
        case usdtUnits = "usdt_units"
    }
}

/// Fault injection for tests: shares are 0...1.
public struct DevnetFaults: Sendable, Codable, Equatable {
    /// Share of /wallet* requests answered 503.
    public var httpErrorRate: Double = 0
    /// Share of /wallet* requests that hang for `timeoutSeconds` before answering.
    public var timeoutRate: Double = 0
    public var timeoutSeconds: Double = 15
    /// Share of accepted broadcasts that are answered with success but never included.
    public var dropBroadcastRate: Double = 0
    /// Blocks an accepted transaction waits before it may be included.
    public var inclusionDelayBlocks: Int64 = 0
    /// Recipients (base58) whose USDT transfers revert.
    public var revertRecipients: [String] = []

    public init() {}

    enum CodingKeys: String, CodingKey {
        case httpErrorRate = "http_error_rate"
        case timeoutRate = "timeout_rate"
        case timeoutSeconds = "timeout_seconds"
        case dropBroadcastRate = "drop_broadcast_rate"
        case inclusionDelayBlocks = "inclusion_delay_blocks"
        case revertRecipients = "revert_recipients"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        httpErrorRate = try container.decodeIfPresent(Double.self, forKey: .httpErrorRate) ?? 0
        timeoutRate = try container.decodeIfPresent(Double.self, forKey: .timeoutRate) ?? 0
        timeoutSeconds = try container.decodeIfPresent(Double.self, forKey: .timeoutSeconds) ?? 15
        dropBroadcastRate = try container.decodeIfPresent(Double.self, forKey: .dropBroadcastRate) ?? 0
        inclusionDelayBlocks = try container.decodeIfPresent(Int64.self, forKey: .inclusionDelayBlocks) ?? 0
        revertRecipients = try container.decodeIfPresent([String].self, forKey: .revertRecipients) ?? []
    }
}
