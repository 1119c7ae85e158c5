import PaymentCore
import TronKit
import TronNode

/// How the payout processor signs and paces payouts.
public struct ProcessorSettings: Sendable {
    /// The USDT contract to call.
    public var usdtContract: TronAddress
    /// The most a transfer's fee_limit may be, in sun: each one is the node's energy estimate × getEnergyFee raised
    /// by `feeMarginPercent`, trimmed to this; a transfer whose bare estimate is above it waits.
    public var feeLimitSun: Int64 = 50_000_000
    /// How far above the estimate a transfer's fee_limit is, in percent.
    public var feeMarginPercent: Int64 = 20
    /// The least energy a transfer's fee_limit pays for, whatever the estimate: a USDT transfer to an address
    /// without USDT takes about 130,285 (TRON.md §2.5), twice one to a holder, and a recipient emptied between the
    /// estimate and the block must not make the transfer run out of energy.
    public var minTransferEnergy: Int64 = 130_285
    /// A transaction expires this long after the head block it was built on.
    public var expirationMilliseconds: Int64 = 60_000
    /// Transactions built per payout before it fails (each one provably expired unconfirmed).
    public var maxAttempts = 3
    /// Pause between rounds.
    public var pollInterval: Duration = .seconds(1)
    /// Look up each in-flight transaction at most this often.
    public var lookupInterval: Duration = .seconds(2)
    /// Re-broadcast a not-yet-included live transaction at most this often after a refusal or no answer.
    public var rebroadcastInterval: Duration = .seconds(3)
    /// Payouts signed per round.
    public var batchSize = 100
    /// Node calls in flight at once (lookups and broadcasts).
    public var concurrency = 16
    /// A node whose solid block is further ahead of the local clock than this retires nothing (rule 1b).
    public var clockToleranceMilliseconds: Int64 = 10_000
    /// The most signed per UTC hour and day (rule 8); nil signs without an outflow limit.
    public var outflowLimits: LimitPolicy?

    /// Settings for paying with `usdtContract`; everything else starts at the defaults above (payment-rpc then
    /// sets most of them from its `processor.*`, `tron.*` and `limits.*` keys).
    public init(usdtContract: TronAddress) { self.usdtContract = usdtContract }

    /// The settings the pure steps read.
    var step: PayoutStep.Settings {
        PayoutStep.Settings(
            maxAttempts: maxAttempts, clockToleranceMilliseconds: clockToleranceMilliseconds,
            lookupInterval: lookupInterval.seconds, rebroadcastInterval: rebroadcastInterval.seconds)
    }
}

/// A full node asked to agree before any transaction is retired (`tron.cross_check_urls`).
public struct CrossCheckNode: Sendable {
    /// Its base URL, for logs.
    public var name: String
    /// Its client: only its solid block and its `/walletsolidity` lookups are read, and only before a retire.
    public var node: any TronNodeAPI

    /// A cross-check node; payment-rpc makes one per `tron.cross_check_urls` entry, named by its URL.
    public init(name: String, node: any TronNodeAPI) {
        self.name = name
        self.node = node
    }
}
