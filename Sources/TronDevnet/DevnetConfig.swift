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
