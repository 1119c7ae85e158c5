import TronKit

/// An account's Stake 2.0 positions and resource usage, as java-tron's AccountCapsule keeps them (TRON.md §4.3 and
/// java-tron's EnergyProcessor, BandwidthProcessor and ResourceProcessor). Amounts are sun; usages are energy or
/// bytes; times of usage are slots (3 s).
struct DevnetAccountResources: Codable, Sendable, Equatable {
    /// `frozenV2` ENERGY: staked for energy and not delegated out.
    var frozenEnergy: Int64 = 0
    /// `frozenV2` BANDWIDTH.
    var frozenBandwidth: Int64 = 0
    /// `delegated_frozenV2_balance_for_energy`: staked by this account, its energy lent to others.
    var delegatedEnergy: Int64 = 0
    /// `delegated_frozenV2_balance_for_bandwidth`.
    var delegatedBandwidth: Int64 = 0
    /// `acquired_delegated_frozenV2_balance_for_energy`: others' stake whose energy this account uses.
    var acquiredEnergy: Int64 = 0
    /// `acquired_delegated_frozenV2_balance_for_bandwidth`.
    var acquiredBandwidth: Int64 = 0
    /// `unfrozenV2`: amounts being unstaked, each withdrawable from its expiry.
    var unfreezing: [Unfreezing] = []
    /// Staked energy used (`energy_usage`, `latest_consume_time_for_energy`).
    var energy = Usage()
    /// Staked bandwidth used (`net_usage`, `latest_consume_time`).
    var net = Usage()
    /// Free bandwidth used (`free_net_usage`, `latest_consume_free_time`).
    var freeNet = Usage()

    struct Unfreezing: Codable, Sendable, Equatable {
        var resource: TronResource
        var amount: Int64
        /// Milliseconds since the epoch from which the amount can be withdrawn.
        var expireTime: Int64
    }

    /// A usage and the slot it was last brought up to date at.
    struct Usage: Codable, Sendable, Equatable {
        var used: Int64 = 0
        var slot: Int64 = 0
    }

    func frozen(_ resource: TronResource) -> Int64 { resource == .energy ? frozenEnergy : frozenBandwidth }
    func delegated(_ resource: TronResource) -> Int64 { resource == .energy ? delegatedEnergy : delegatedBandwidth }
    func acquired(_ resource: TronResource) -> Int64 { resource == .energy ? acquiredEnergy : acquiredBandwidth }

    /// What the account's limit of `resource` is computed from: its own stake not lent out, plus what it borrowed
    /// (java-tron's `getAllFrozenBalanceFor…`).
    func limitBase(_ resource: TronResource) -> Int64 { frozen(resource) + acquired(resource) }

    /// The account's weight in the network's total, whole TRX: its own stake including what it lent out.
    func weight(_ resource: TronResource) -> Int64 { (frozen(resource) + delegated(resource)) / 1_000_000 }

    mutating func add(_ resource: TronResource, frozen delta: Int64) {
        if resource == .energy { frozenEnergy += delta } else { frozenBandwidth += delta }
    }

    mutating func add(_ resource: TronResource, delegated delta: Int64) {
        if resource == .energy { delegatedEnergy += delta } else { delegatedBandwidth += delta }
    }

    mutating func add(_ resource: TronResource, acquired delta: Int64) {
        if resource == .energy { acquiredEnergy += delta } else { acquiredBandwidth += delta }
    }

    /// The staked usage of `resource` (energy, or staked bandwidth).
    subscript(usage resource: TronResource) -> Usage {
        get { resource == .energy ? energy : net }
        set { if resource == .energy { energy = newValue } else { net = newValue } }
    }

    /// Whether nothing is staked, lent, borrowed, used or unstaking (such an entry need not be kept).
    var isEmpty: Bool { self == DevnetAccountResources() }
}

/// A delegation record, keyed like java-tron's DelegatedResourceV2 (from, to, locked): both resources in one record.
struct DevnetDelegation: Codable, Sendable, Equatable {
    /// The lender, hex 41….
    var from: String
    /// The borrower, hex 41….
    var to: String
    /// Whether this is the locked record (amounts that cannot be taken back before their expiry).
    var locked: Bool
    var energy: Int64 = 0
    /// Milliseconds; 0 for the unlocked record.
    var energyExpire: Int64 = 0
    var bandwidth: Int64 = 0
    var bandwidthExpire: Int64 = 0

    func amount(_ resource: TronResource) -> Int64 { resource == .energy ? energy : bandwidth }
    func expire(_ resource: TronResource) -> Int64 { resource == .energy ? energyExpire : bandwidthExpire }

    mutating func add(_ resource: TronResource, _ delta: Int64) {
        if resource == .energy { energy += delta } else { bandwidth += delta }
    }

    mutating func setExpire(_ resource: TronResource, _ time: Int64) {
        if resource == .energy { energyExpire = time } else { bandwidthExpire = time }
    }
}

/// java-tron's resource arithmetic (ResourceProcessor): usage decays linearly to zero over a 24-hour window of
/// 28,800 slots, kept at a precision of 10⁻⁶. java-tron computes the decay with a double and rounds; this does the
/// same with integers (round half up), which agrees except at the last unit of rare ties.
enum ResourceWindow {
    /// 24 h of 3-second slots.
    static let size: Int64 = 28_800
    static let precision: Int64 = 1_000_000
    /// Milliseconds per slot.
    static let slotMilliseconds: Int64 = 3_000

    static func slot(atMilliseconds time: Int64) -> Int64 { time / slotMilliseconds }

    /// `lastUsage` at `lastSlot` decayed to `now`, plus `usage` spent at `now`.
    static func increase(lastUsage: Int64, usage: Int64, lastSlot: Int64, now: Int64) -> Int64 {
        var averageLast = divideCeil(lastUsage * precision, size)
        let average = divideCeil(usage * precision, size)
        if lastSlot != now {
            if lastSlot + size > now {
                let remaining = size - max(0, now - lastSlot)
                // round(averageLast × remaining / size), half up
                averageLast = (averageLast * remaining * 2 + size) / (size * 2)
            } else {
                averageLast = 0
            }
        }
        return (averageLast + average) * size / precision
    }

    /// `usage` at `slot` decayed to `now` (`recovery`: an increase by nothing).
    static func recovered(_ usage: DevnetAccountResources.Usage, now: Int64) -> Int64 {
        increase(lastUsage: usage.used, usage: 0, lastSlot: usage.slot, now: now)
    }

    /// A share of the network's total: `base` sun of stake, of `totalWeight` whole TRX, of `totalLimit` units
    /// (java-tron's calculateGlobalEnergyLimitV2 / calculateGlobalNetLimitV2, in integers: 128-bit intermediates).
    static func share(base: Int64, totalLimit: Int64, totalWeight: Int64) -> Int64 {
        guard totalWeight > 0, base > 0 else { return 0 }
        let product = base.multipliedFullWidth(by: totalLimit)
        let divisor = totalWeight.multipliedReportingOverflow(by: 1_000_000)
        guard !divisor.overflow else { return 0 }
        guard quotientFits(product, divisor.partialValue) else { return .max }
        return divisor.partialValue.dividingFullWidth(product).quotient
    }

    /// The stake, in sun, whose share of `totalLimit` is `usage` (the inverse of `share`, java-tron's
    /// `usage × TRX_PRECISION × totalWeight / totalLimit`), rounded down.
    static func stakeEquivalent(usage: Int64, totalLimit: Int64, totalWeight: Int64) -> Int64 {
        guard totalLimit > 0, usage > 0 else { return 0 }
        let weightSun = totalWeight.multipliedReportingOverflow(by: 1_000_000)
        guard !weightSun.overflow, weightSun.partialValue > 0 else { return .max }
        let product = usage.multipliedFullWidth(by: weightSun.partialValue)
        guard quotientFits(product, totalLimit) else { return .max }
        return totalLimit.dividingFullWidth(product).quotient
    }

    /// `a × b / c` rounded down with a 128-bit product; 0 when `c` is not positive, `Int64.max` when it does not fit.
    static func multiply(_ a: Int64, _ b: Int64, dividedBy c: Int64) -> Int64 {
        guard c > 0, a > 0, b > 0 else { return 0 }
        let product = a.multipliedFullWidth(by: b)
        guard quotientFits(product, c) else { return .max }
        return c.dividingFullWidth(product).quotient
    }

    /// Whether a non-negative 128-bit `dividend` divided by a positive `divisor` fits in an Int64: dividend < divisor × 2⁶³,
    /// i.e. the dividend's top 65 bits are below the divisor (the operands here are below 2⁶³, so `high` < 2⁶²).
    private static func quotientFits(_ dividend: (high: Int64, low: UInt64), _ divisor: Int64) -> Bool {
        dividend.high >= 0 && (dividend.high << 1 | Int64(dividend.low >> 63)) < divisor
    }

    private static func divideCeil(_ numerator: Int64, _ denominator: Int64) -> Int64 {
        (numerator + denominator - 1) / denominator
    }
}
