import Foundation
import TronKit
import TronProto

extension DevnetChain {
    /// Energy a USDT transfer uses (TRON.md §2.5): about 64,285 to a holder, 130,285 to a new holder, of which the
    /// dynamic-energy penalty is 49,635 and 100,635.
    static let energyToHolder: Int64 = 64_285
    static let energyToNewHolder: Int64 = 130_285
    static let penaltyToHolder: Int64 = 49_635
    static let penaltyToNewHolder: Int64 = 100_635
    /// Energy a reverted transfer burns before it stops.
    static let energyOnRevert: Int64 = 14_650

    /// Sun per energy: getEnergyFee, or java-tron's SUN_PER_ENERGY (100) when the parameter is 0.
    var sunPerEnergy: Int64 { config.energyFee > 0 ? config.energyFee : 100 }

    /// The energy a USDT `transfer(to, amount)` by `owner` takes, its penalty part, and whether it reverts.
    func transferEnergy(owner: String, to: TronAddress, amount: Int64, in state: DevnetState)
        -> (total: Int64, penalty: Int64, reverts: Bool)
    {
        let reverts = mainFaults.current.revertRecipients.contains(to.base58) || (state.usdt[owner] ?? 0) < amount
        if reverts { return (Self.energyOnRevert, 0, true) }
        return (state.usdt[to.hex] ?? 0) > 0
            ? (Self.energyToHolder, Self.penaltyToHolder, false)
            : (Self.energyToNewHolder, Self.penaltyToNewHolder, false)
    }

    /// Runs a transaction inside a block, the way java-tron pays for it: bandwidth from stake, else from the free
    /// allowance, else burned; a USDT call's energy from stake first and the rest burned, all of it capped by
    /// fee_limit (so OUT_OF_ENERGY when the cap is too low, the fee burned either way); TRX moves for
    /// TransferContract; Stake 2.0 contracts change the owner's positions. Nil when the transaction can no longer
    /// run (a Stake 2.0 contract whose checks fail against the state it meets in the block): it is dropped unpacked,
    /// as java-tron drops a transaction that fails validation while producing a block.
    func execute(_ signed: SignedTronTransaction, blockTimestamp: Int64, state: inout DevnetState)
        -> DevnetState.Receipt?
    {
        let contract = signed.raw.contract[0]
        let owner = Self.owner(of: contract)!.hex
        let slot = ResourceWindow.slot(atMilliseconds: blockTimestamp)
        let stake = StakeContract(contract)
        let netUsage = Int64(signed.transactionBytes.count + 64)
        // Bandwidth is paid before the contract is validated, as java-tron does; a system contract that no longer
        // passes against the balance left after it (or a burn the balance cannot pay) drops the transaction with
        // nothing changed.
        var charged = state
        let bandwidth = payBandwidth(owner: owner, bytes: netUsage, slot: slot, state: &charged)
        if let stake {
            if case .burn(let fee) = bandwidthPayment(owner: owner, bytes: netUsage, slot: slot, in: state),
                fee > state.trx[owner] ?? 0
            {
                return nil
            }
            if stakeRefusal(stake, owner: owner, now: blockTimestamp, in: charged) != nil { return nil }
        }
        state = charged
        var receipt = DevnetState.Receipt(
            blockTimestamp: blockTimestamp, contractResult: nil, failed: false, energyUsage: 0, energyFee: 0,
            netUsage: netUsage, netFee: bandwidth.fee, transferLog: nil)
        receipt.bandwidthFromAllowance = bandwidth.free

        if let stake {
            let withdrawn = executeStake(stake, owner: owner, now: blockTimestamp, state: &state)
            if withdrawn > 0 { receipt.withdrawExpireAmount = withdrawn }
            return receipt
        }
        if contract.type == .transferContract,
            let transfer = try? Protocol_TransferContract(unpackingAny: contract.parameter)
        {
            let amount = min(transfer.amount, state.trx[owner] ?? 0)
            state.trx[owner, default: 0] -= amount
            state.trx[Hex.encode(transfer.toAddress), default: 0] += amount
            return receipt
        }
        guard let trigger = try? Protocol_TriggerSmartContract(unpackingAny: contract.parameter),
            let call = TRC20.decodeTransfer([UInt8](trigger.data))
        else {
            receipt.contractResult = "REVERT"
            receipt.failed = true
            return receipt
        }
        let to = call.to.hex
        let needed = transferEnergy(owner: owner, to: call.to, amount: call.amount, in: state)
        let price = sunPerEnergy
        let stakedLeft = left(.energy, of: state.resources[owner] ?? DevnetAccountResources(), slot: slot, in: state)
        let available = min(stakedLeft + max(0, state.trx[owner] ?? 0) / price, signed.raw.feeLimit / price)
        if available < needed.total {
            receipt.contractResult = "OUT_OF_ENERGY"
            receipt.failed = true
            receipt.energyUsage = available
        } else if needed.reverts {
            receipt.contractResult = "REVERT"
            receipt.failed = true
            receipt.energyUsage = needed.total
        } else {
            receipt.contractResult = "SUCCESS"
            receipt.energyUsage = needed.total
            receipt.energyPenalty = needed.penalty
            state.usdt[owner, default: 0] -= call.amount
            state.usdt[to, default: 0] += call.amount
            receipt.transferLog = DevnetState.TransferLog(from: owner, to: to, amount: call.amount)
        }
        let fromStake = min(stakedLeft, receipt.energyUsage)
        use(.energy, fromStake, owner: owner, slot: slot, state: &state)
        receipt.energyFromStake = fromStake
        receipt.energyFee = (receipt.energyUsage - fromStake) * price
        state.trx[owner, default: 0] -= receipt.energyFee
        return receipt
    }
}
