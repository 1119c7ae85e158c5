import TronKit

/// What paying for USDT transfers costs, from the node's figures at the start of a signing round (TRON.md §2.5 and
/// java-tron's VMActuator/ReceiptCapsule): a call's energy comes from staked energy first and the rest burns TRX at
/// `getEnergyFee` sun per unit; `fee_limit` caps **all** the energy a call may use, staked included, at
/// `fee_limit / getEnergyFee`; a transaction's bytes come from staked or free bandwidth, else burn `getTransactionFee`
/// sun each. All sun, all integers; every product is checked.
public struct TransferFees: Sendable, Equatable {
    /// Sun per unit of energy (getEnergyFee; java-tron uses 100 when the parameter is 0).
    public var sunPerEnergy: Int64
    /// Sun per byte of bandwidth (getTransactionFee).
    public var sunPerByte: Int64
    /// The hot wallet's TRX, sun.
    public var trxSun: Int64
    /// Energy the hot wallet's stake (its own and delegated to it) has left today.
    public var stakedEnergy: Int64
    /// Bandwidth bytes the hot wallet has left from stake and the daily free allowance.
    public var bandwidthBytes: Int64

    /// The figures of one round.
    public init(sunPerEnergy: Int64, sunPerByte: Int64, trxSun: Int64, stakedEnergy: Int64, bandwidthBytes: Int64) {
        self.sunPerEnergy = max(1, sunPerEnergy)
        self.sunPerByte = max(0, sunPerByte)
        self.trxSun = trxSun
        self.stakedEnergy = max(0, stakedEnergy)
        self.bandwidthBytes = max(0, bandwidthBytes)
    }

    /// How one transfer is paid.
    public struct Plan: Sendable, Equatable {
        /// The transaction's fee_limit: the estimate with the margin, at most the cap.
        public var feeLimitSun: Int64
        /// The estimated energy.
        public var energy: Int64
        /// What it is expected to burn: the energy stake does not cover, and the bandwidth when none is left.
        public var expectedBurnSun: Int64
        /// What it may burn at most: every unit of energy up to fee_limit beyond the stake, and the bandwidth.
        public var worstBurnSun: Int64

        /// A plan with these figures.
        public init(feeLimitSun: Int64, energy: Int64, expectedBurnSun: Int64, worstBurnSun: Int64) {
            self.feeLimitSun = feeLimitSun
            self.energy = energy
            self.expectedBurnSun = expectedBurnSun
            self.worstBurnSun = worstBurnSun
        }
    }

    /// Sign with `plan`, or wait because the transfer cannot be paid for, saying why.
    public enum Decision: Sendable, Equatable {
        case sign(Plan)
        case wait(reason: String)
    }

    /// The fee_limit for `energy` (the node's estimate): the larger of it and `floorEnergy`, × `sunPerEnergy`, raised
    /// by `marginPercent`, trimmed to `capSun`. The floor is what a transfer to an address without USDT takes (twice
    /// what one to a holder takes): a recipient emptied between the estimate and the block must not make the call run
    /// out of energy, and a node answering a tiny estimate must not get a doomed transaction signed. Nil when even
    /// the bare estimate is above the cap (a fee_limit below it would run out of energy and burn the fee for nothing).
    public func feeLimit(energy: Int64, floorEnergy: Int64 = 0, marginPercent: Int64, capSun: Int64) -> Int64? {
        guard energy >= 0, marginPercent >= 0,
            let bare = Self.multiply(energy, sunPerEnergy), bare <= capSun
        else { return nil }
        guard let planned = Self.multiply(max(energy, floorEnergy), sunPerEnergy),
            let raised = Self.multiply(planned, 100 + marginPercent)
        else { return capSun }
        return min(capSun, raised / 100 + (raised % 100 > 0 ? 1 : 0))
    }

    /// Sets `sun` aside from the wallet's TRX: what transactions signed in earlier rounds and not yet in a block may
    /// still burn (the node's balance does not show them yet).
    public mutating func reserve(_ sun: Int64) {
        guard sun > 0 else { return }
        let (left, overflow) = trxSun.subtractingReportingOverflow(sun)
        trxSun = overflow ? .min : left
    }

    /// Whether a transfer of `energy` (estimated) and `bytes` may be signed now, and with what fee_limit: it waits
    /// when the fee_limit would pass the cap, or when the hot wallet's TRX cannot pay the worst the transfer may
    /// burn (energy up to its fee_limit beyond the stake, plus its bandwidth), since a call whose energy the balance
    /// cannot pay runs out of energy and burns what there is.
    public func decide(energy: Int64, floorEnergy: Int64 = 0, bytes: Int64, marginPercent: Int64, capSun: Int64)
        -> Decision
    {
        guard
            let feeLimit = feeLimit(
                energy: energy, floorEnergy: floorEnergy, marginPercent: marginPercent, capSun: capSun)
        else {
            let bare = Self.multiply(energy, sunPerEnergy).map { "\($0) sun" } ?? "more than Int64 sun"
            return .wait(
                reason: "the estimated fee (\(energy) energy × \(sunPerEnergy) sun = \(bare)) is above "
                    + "tron.fee_limit_sun (\(capSun) sun)")
        }
        let bandwidthBurn = bytes <= bandwidthBytes ? 0 : (Self.multiply(bytes, sunPerByte) ?? .max)
        let energyBurn = (Self.multiply(max(0, energy - stakedEnergy), sunPerEnergy) ?? .max)
        let stakedSun = Self.multiply(stakedEnergy, sunPerEnergy) ?? .max
        let worstEnergyBurn = max(0, feeLimit - stakedSun)
        let (expected, overflowA) = energyBurn.addingReportingOverflow(bandwidthBurn)
        let (worst, overflowB) = worstEnergyBurn.addingReportingOverflow(bandwidthBurn)
        guard !overflowA, !overflowB, worst <= trxSun else {
            return .wait(
                reason: "the hot wallet holds \(trxSun) sun; the next transfer may burn up to "
                    + "\(overflowB ? "more than Int64" : "\(worst)") sun (\(energy) energy estimated, fee_limit "
                    + "\(feeLimit) sun, \(stakedEnergy) staked energy left, \(bytes) bytes with \(bandwidthBytes) "
                    + "bandwidth left)")
        }
        return .sign(Plan(feeLimitSun: feeLimit, energy: energy, expectedBurnSun: expected, worstBurnSun: worst))
    }

    /// The figures after a transfer signed with `plan` of `bytes`: the stake it may draw on (up to its fee_limit's
    /// worth of energy, not only the estimate) and its bandwidth are used, and its worst burn is set aside, so the
    /// round does not sign more than the wallet can pay.
    public mutating func spend(_ plan: Plan, bytes: Int64) {
        stakedEnergy = max(0, stakedEnergy - plan.feeLimitSun / sunPerEnergy)
        bandwidthBytes = bytes <= bandwidthBytes ? bandwidthBytes - bytes : bandwidthBytes
        reserve(plan.worstBurnSun)
    }

    /// The figures with the hot wallet's staking operations still in flight (`operations`, not final yet) set
    /// aside, since the node's balance does not show them until they are in a block: a stake's TRX and every
    /// operation's bandwidth (`bytesPerOperation` at `sunPerByte`, as if no free bandwidth were left) are reserved,
    /// and while an unstake or a delegation of energy is in flight no staked energy is counted (how much it takes
    /// away depends on the network's weights; counting none is the safe side: transfers are then paid for from TRX
    /// or wait). A transfer signed against a balance a stake is about to take could run out of energy.
    public mutating func setAside(_ operations: [StakeOperation], bytesPerOperation: Int64 = 400) {
        let bandwidth = Self.multiply(bytesPerOperation, sunPerByte) ?? .max
        for operation in operations {
            reserve(bandwidth)
            switch operation {
            case .freeze(let amount, _):
                reserve(amount)
            case .unfreeze(_, .energy), .delegate(_, .energy, _, _):
                stakedEnergy = 0
            case .unfreeze, .delegate, .undelegate, .withdrawExpired:
                continue
            }
        }
    }

    static func multiply(_ a: Int64, _ b: Int64) -> Int64? {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? nil : product
    }
}
