import Foundation
import TronKit
import TronProto

extension DevnetChain {
    /// Energy a USDT transfer uses (TRON.md §2.5): about 64,285 to a holder, 130,285 to a new holder.
    static let energyToHolder: Int64 = 64_285
    static let energyToNewHolder: Int64 = 130_285
    /// Energy a reverted transfer burns before it stops.
    static let energyOnRevert: Int64 = 14_650

    /// Runs a transaction inside a block: bandwidth is burned from TRX, USDT moves or the call reverts or runs out
    /// of energy (the fee is burned either way), TRX moves for TransferContract.
    func execute(_ signed: SignedTronTransaction, blockTimestamp: Int64, state: inout DevnetState)
        -> DevnetState.Receipt
    {
        let contract = signed.raw.contract[0]
        let owner = Self.owner(of: contract)!.hex
        let netUsage = Int64(signed.transactionBytes.count + 64)
        let netFee = min(netUsage * config.transactionFee, state.trx[owner] ?? 0)
        state.trx[owner, default: 0] -= netFee
        var receipt = DevnetState.Receipt(
            blockTimestamp: blockTimestamp, contractResult: nil, failed: false, energyUsage: 0, energyFee: 0,
            netUsage: netUsage, netFee: netFee, transferLog: nil)

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
        let available = min(signed.raw.feeLimit, state.trx[owner] ?? 0) / config.energyFee
        let forcedRevert = mainFaults.current.revertRecipients.contains(call.to.base58)
        let reverts = forcedRevert || (state.usdt[owner] ?? 0) < call.amount
        let needed =
            reverts ? Self.energyOnRevert : ((state.usdt[to] ?? 0) > 0 ? Self.energyToHolder : Self.energyToNewHolder)
        if available < needed {
            receipt.contractResult = "OUT_OF_ENERGY"
            receipt.failed = true
            receipt.energyUsage = available
        } else if reverts {
            receipt.contractResult = "REVERT"
            receipt.failed = true
            receipt.energyUsage = needed
        } else {
            receipt.contractResult = "SUCCESS"
            receipt.energyUsage = needed
            state.usdt[owner, default: 0] -= call.amount
            state.usdt[to, default: 0] += call.amount
            receipt.transferLog = DevnetState.TransferLog(from: owner, to: to, amount: call.amount)
        }
        receipt.energyFee = receipt.energyUsage * config.energyFee
        state.trx[owner, default: 0] -= receipt.energyFee
        return receipt
    }
}
