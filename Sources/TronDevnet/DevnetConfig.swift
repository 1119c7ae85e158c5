import Foundation
import Logging
import ServerSupport
import TronKit

/// How the local node behaves and where it listens. Defaults follow TRON.md: 3 s blocks, solid = head − 18,
/// Nile's energy price. `load(file:environment:overrides:)` reads it from tron-devnet's configuration.
public struct DevnetConfig: Sendable {
    /// The main listener (key `listen`): its faults are `faults`.
    public var listen = HostPort(host: "127.0.0.1", port: 8090)
    /// More listeners on the same chain (key `view_listen`), each starting with an honest fault profile.
    public var viewListen: [HostPort] = []
    /// The log level (key `log.level`).
    public var logLevel: Logger.Level = .info
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
    /// How long unstaked TRX waits before it can be withdrawn (mainnet: 14 days, getUnfreezeDelayDays), in seconds.
    public var unfreezeDelaySeconds: Int64 = 14 * 86_400
    /// The energy the whole network's stake shares each day (getTotalEnergyCurrentLimit; mainnet 180,000,000,000).
    public var totalEnergyLimit: Int64 = 180_000_000_000
    /// The bandwidth the whole network's stake shares each day (getTotalNetLimit).
    public var totalNetLimit: Int64 = 43_200_000_000
    /// Free bandwidth per account per day (getFreeNetLimit), in bytes.
    public var freeNetLimit: Int64 = 600
    /// TRX staked for energy by accounts outside the devnet, in whole TRX, so that a stake's share of
    /// `totalEnergyLimit` is of mainnet's order (1 TRX staked ≈ 18 energy a day) rather than all of it.
    public var otherEnergyWeight: Int64 = 10_000_000_000
    /// TRX staked for bandwidth outside the devnet, in whole TRX.
    public var otherNetWeight: Int64 = 10_000_000_000
    /// The USDT (TRC-20) contract the devnet runs.
    public var usdtContract = try! TronAddress(base58: "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t")
    /// Where state is kept across restarts; nil keeps it in memory only.
    public var stateFile: String?
    /// Funded accounts at genesis.
    public var genesis: [GenesisAccount] = []
    /// The main listener's faults to inject.
    public var faults = DevnetFaults()

    /// The defaults above: one listener on 127.0.0.1:8090, no funded accounts, no faults.
    public init() {}
}

/// An account funded at genesis.
public struct GenesisAccount: Sendable, Codable, Equatable {
    /// The account, base58 (checked when the chain starts).
    public var address: String
    /// TRX in sun (1 TRX = 1 000 000 sun).
    public var trxSun: Int64
    /// USDT in base units (1 USDT = 1 000 000 units).
    public var usdtUnits: Int64

    /// An account holding `trxSun` and `usdtUnits`.
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
