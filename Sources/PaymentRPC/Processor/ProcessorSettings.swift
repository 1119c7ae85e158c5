import TronKit

/// How the payout processor signs and paces payouts.
public struct ProcessorSettings: Sendable {
    /// The USDT contract to call.
    public var usdtContract: TronAddress
    /// fee_limit of each transfer, in sun.
    public var feeLimitSun: Int64 = 50_000_000
    /// A transaction expires this long after the head block it was built on.
    public var expirationMilliseconds: Int64 = 60_000
    /// Transactions built per payout before it fails (each one provably expired unconfirmed).
    public var maxAttempts = 3
    /// Pause between rounds.
    public var pollInterval: Duration = .seconds(1)
    /// Look up each in-flight transaction at most this often.
    public var lookupInterval: Duration = .seconds(2)
    /// Re-broadcast a not-yet-included live transaction at most this often.
    public var rebroadcastInterval: Duration = .seconds(3)
    /// Payouts signed per round.
    public var batchSize = 100
    /// Node calls in flight at once (lookups and broadcasts).
    public var concurrency = 16

    public init(usdtContract: TronAddress) { self.usdtContract = usdtContract }
}
