import Foundation
import PaymentCore
import TronKit
import TronNode

/// The hot wallet as the node sees it now.
public struct HotWalletFigures: Sendable, Equatable {
    /// TRX in sun, stake not counted.
    public var trxSun: Int64
    /// USDT in base units.
    public var usdtUnits: Int64
    /// getaccountresource, by the node's names, with usage recovered to the head.
    public var resources: [String: Int64]
    /// getaccount's Stake 2.0 state.
    public var account: StakeAccount
    /// Resources lent out.
    public var delegations: [ResourceDelegation]
    /// The node's head block time, ms (what "withdrawable" is judged by).
    public var headMilliseconds: Int64
    /// How many typical payouts the energy and TRX cover.
    public var coverage: PayoutCoverage

    /// `limit - used` of a resource pair, never below 0 and never above `cap` when the node names one.
    public func available(_ limit: String, _ used: String) -> Int64 {
        let total = max(0, resources[limit] ?? 0)
        let (difference, overflow) = total.subtractingReportingOverflow(max(0, resources[used] ?? 0))
        return overflow ? 0 : max(0, difference)
    }
}

/// How many typical payouts (`energyPerPayout` each) the hot wallet can pay for now: first from the energy its
/// stake has left, then from TRX at the processor's worst burn (fee_limit with the margin, and the bandwidth).
public struct PayoutCoverage: Sendable, Equatable {
    /// The energy a typical payout is counted at.
    public var energyPerPayout: Int64
    /// Payouts the energy left covers.
    public var byEnergy: Int64
    /// Payouts the TRX pays for once the energy is spent.
    public var byTRX: Int64
    /// `byEnergy + byTRX`.
    public var total: Int64 { byEnergy.addingReportingOverflow(byTRX).overflow ? .max : byEnergy + byTRX }

    /// A transfer's bandwidth, bytes: a signed TRC-20 transfer and java-tron's 64 bytes of result (TRON.md §4.3).
    public static let transferBytes: Int64 = 345

    /// The coverage of `fees` at `energyPerPayout` a payout, with `marginPercent` on the energy burn as the
    /// processor's fee_limit has.
    public init(fees: TransferFees, energyPerPayout: Int64, marginPercent: Int64) {
        let energy = max(1, energyPerPayout)
        self.energyPerPayout = energy
        byEnergy = fees.stakedEnergy / energy
        let burn = energy.multipliedReportingOverflow(by: fees.sunPerEnergy)
        let withMargin = burn.partialValue.multipliedReportingOverflow(by: 100 + max(0, marginPercent))
        let bandwidth = Self.transferBytes.multipliedReportingOverflow(by: fees.sunPerByte)
        guard !burn.overflow, !withMargin.overflow, !bandwidth.overflow else {
            byTRX = 0
            return
        }
        let (perPayout, overflow) = (withMargin.partialValue / 100).addingReportingOverflow(bandwidth.partialValue)
        byTRX = !overflow && perPayout > 0 ? max(0, fees.trxSun) / perPayout : 0
    }
}

/// The network as the primary node sees it.
public struct NetworkFigures: Sendable, Equatable {
    /// The head block.
    public var head: BlockSummary
    /// The latest solid block.
    public var solid: BlockSummary
    /// getchainparameters.
    public var parameters: [String: Int64]
    /// The price in force, sun per energy (the last entry of getenergyprices).
    public var currentEnergyPrice: Int64
    /// The node's version.
    public var nodeVersion: String
    /// Local clock minus the head's time, ms.
    public var headLagMilliseconds: Int64
}

/// What a payout would cost now.
public struct PayoutCostFigures: Sendable, Equatable {
    /// The estimate with its penalty.
    public var estimate: TransferEstimate
    /// Of the energy, what stake covers.
    public var energyFromStake: Int64
    /// Of the energy, what burns.
    public var energyBurned: Int64
    /// getEnergyFee.
    public var sunPerEnergy: Int64
    /// The transfer's bandwidth bytes.
    public var bandwidthBytes: Int64
    /// What the bandwidth burns.
    public var bandwidthBurnSun: Int64
    /// Everything that burns.
    public var trxBurnSun: Int64
    /// The processor's fee_limit for it (0 when the estimate is above the cap: the payout would wait).
    public var feeLimitSun: Int64
    /// The recipient holds no USDT.
    public var firstTimeRecipient: Bool
}

extension TreasuryDesk {
    /// The hot wallet's balances, resources, stake and delegations, and what they cover.
    public func hotWallet() async throws -> HotWalletFigures {
        try await nodeCall {
            let fees = try await transferFees()
            let usdt = try await node.trc20Balance(owner: key.address, contract: settings.usdtContract)
            let resources = try await node.accountResource(of: key.address)
            let account = try await node.stakeAccount(of: key.address)
            let delegations = try await node.delegations(from: key.address, limit: 50)
            let head = try await node.nowBlock()
            return HotWalletFigures(
                trxSun: account.balanceSun, usdtUnits: usdt, resources: resources, account: account,
                delegations: delegations, headMilliseconds: head.timestamp,
                coverage: PayoutCoverage(
                    fees: fees, energyPerPayout: settings.minTransferEnergy, marginPercent: settings.feeMarginPercent))
        }
    }

    /// The head and solid blocks, prices, version and lag.
    public func network() async throws -> NetworkFigures {
        try await nodeCall {
            let head = try await node.nowBlock()
            let solid = try await node.solidBlock()
            let parameters = try await node.chainParameters()
            let prices = try await node.energyPrices()
            let version = try await node.nodeVersion()
            // "since:price,since:price": the last entry is in force.
            let current =
                prices.split(separator: ",").last.flatMap { $0.split(separator: ":").last }.flatMap { Int64($0) }
                ?? parameters["getEnergyFee"] ?? 0
            let (lag, overflow) = clock.now().milliseconds.subtractingReportingOverflow(head.timestamp)
            return NetworkFigures(
                head: head, solid: solid, parameters: parameters, currentEnergyPrice: current, nodeVersion: version,
                headLagMilliseconds: overflow ? .max : lag)
        }
    }

    /// What a payout of `amountUnits` to `recipient` would burn now, and the fee_limit the processor would give it.
    public func estimate(to recipient: TronAddress, amountUnits: Int64) async throws -> PayoutCostFigures {
        guard amountUnits > 0 else { throw PaymentError.invalid("amount_units", "must be at least 1") }
        return try await nodeCall {
            let estimate = try await node.estimateTransfer(
                owner: key.address, to: recipient, amount: amountUnits, contract: settings.usdtContract)
            let fees = try await transferFees()
            let recipientUSDT = try await node.trc20Balance(owner: recipient, contract: settings.usdtContract)
            let fromStake = min(estimate.energy, fees.stakedEnergy)
            let burned = estimate.energy - fromStake
            let bandwidthBytes = PayoutCoverage.transferBytes
            let (bandwidthProduct, bandwidthOverflow) = bandwidthBytes.multipliedReportingOverflow(by: fees.sunPerByte)
            let (energyBurn, overflow) = burned.multipliedReportingOverflow(by: fees.sunPerEnergy)
            guard !overflow, !bandwidthOverflow else {
                throw TronNodeError.node(
                    "the node's figures are out of range (energy \(estimate.energy), \(fees.sunPerByte) sun a byte)")
            }
            let bandwidthBurn = fees.bandwidthBytes >= bandwidthBytes ? 0 : bandwidthProduct
            let feeLimit =
                fees.feeLimit(
                    energy: estimate.energy, floorEnergy: settings.minTransferEnergy,
                    marginPercent: settings.feeMarginPercent, capSun: settings.feeLimitSun) ?? 0
            return PayoutCostFigures(
                estimate: estimate, energyFromStake: fromStake, energyBurned: burned, sunPerEnergy: fees.sunPerEnergy,
                bandwidthBytes: bandwidthBytes, bandwidthBurnSun: bandwidthBurn,
                trxBurnSun: energyBurn.addingReportingOverflow(bandwidthBurn).overflow
                    ? .max : energyBurn + bandwidthBurn,
                feeLimitSun: feeLimit, firstTimeRecipient: recipientUSDT == 0)
        }
    }

    /// The processor's fee figures (`PayoutProcessor.transferFees`), with the staking operations in flight set
    /// aside as the processor sets them aside.
    func transferFees() async throws -> TransferFees {
        var fees = try await PayoutProcessor.transferFees(node: node, address: key.address)
        fees.setAside(try await ledger.openTreasuryOperations().map(\.operation.action))
        return fees
    }
}
