import Foundation
import TronKit
import TronProto

/// A broadcast's answer: nil code is success.
public struct BroadcastOutcome: Sendable, Equatable {
    /// java-tron's refusal code (SIGERROR, TAPOS_ERROR, DUP_TRANSACTION_ERROR …), nil when accepted.
    public var code: String?
    /// java-tron's message for the code, plain text (the HTTP layer hex-encodes it where java-tron does).
    public var message: String
    /// The transaction's txID, 64 hex characters.
    public var txid: String

    /// Whether the transaction went into the pending pool (it may still be dropped by a fault).
    public var accepted: Bool { code == nil }
}

extension DevnetChain {
    /// java-tron's broadcast checks in their order (TRON.md §4.3 and §9); the first failure answers. `faults` are the
    /// receiving listener's (the main listener's when nil).
    public func broadcast(
        _ signed: SignedTronTransaction, faults: DevnetFaults? = nil, now: Date = Date()
    ) -> BroadcastOutcome {
        let txid = signed.txidHex
        func fail(_ code: String, _ message: String) -> BroadcastOutcome {
            BroadcastOutcome(code: code, message: message, txid: txid)
        }
        let faults = faults ?? mainFaults.current
        let drop = faults.dropBroadcastRate > 0 && Double.random(in: 0..<1) < faults.dropBroadcastRate
        let delay = faults.inclusionDelayBlocks
        let outcome: BroadcastOutcome = state.withLock { state in
            let head = state.blocks.last!
            let raw = signed.raw
            guard let contract = raw.contract.first else {
                return fail("CONTRACT_VALIDATE_ERROR", "Contract validate error : No contract!")
            }
            let slot = Int64(max(config.blockIntervalMilliseconds, 0))
            if raw.expiration < head.timestamp + slot && slot > 0 {
                return fail("TRANSACTION_EXPIRATION_ERROR", "Transaction expired")
            }
            guard let owner = Self.owner(of: contract) else {
                return fail("CONTRACT_VALIDATE_ERROR", "Contract validate error : Invalid ownerAddress")
            }
            guard !signed.signature.isEmpty else {
                return fail("SIGERROR", "Validate signature error: miss sig or contract")
            }
            guard signed.signature.count >= 65 else {
                return fail("SIGERROR", "Validate signature error: Signature size is \(signed.signature.count)")
            }
            guard let signer = TronSignature.recoverAddress(signature: signed.signature, digest: signed.txid) else {
                return fail("SIGERROR", "Validate signature error: Signature is invalid")
            }
            guard signer == owner else {
                return fail(
                    "SIGERROR",
                    "Validate signature error: \(Hex.encode(signed.signature)) is signed by \(signer.base58) but it is not contained of permission."
                )
            }
            guard Self.taposMatches(raw, blocks: state.blocks) else { return fail("TAPOS_ERROR", "Tapos check error.") }
            if raw.expiration <= head.timestamp || raw.expiration > head.timestamp + 86_400_000 {
                return fail("TRANSACTION_EXPIRATION_ERROR", "Transaction expired")
            }
            if state.transactions[txid] != nil {
                // Already pending or in a block. A faulty node may refuse instead of answering DUP.
                if let code = faults.refuseRebroadcastCode { return fail(code, DevnetFaults.refusalMessage(for: code)) }
                return fail("DUP_TRANSACTION_ERROR", "Dup transaction.")
            }
            let trx = state.trx[owner.hex] ?? 0
            let netFee: Int64
            switch bandwidthPayment(
                owner: owner.hex, bytes: Int64(signed.transactionBytes.count + 64),
                slot: ResourceWindow.slot(atMilliseconds: head.timestamp), in: state)
            {
            case .staked, .free: netFee = 0
            case .burn(let fee): netFee = fee
            }
            guard trx >= netFee else { return fail("BANDWITH_ERROR", "Account resource insufficient error.") }
            if let stake = StakeContract(contract) {
                // Checked against the balance the bandwidth leaves, as java-tron pays bandwidth first.
                var charged = state
                charged.trx[owner.hex, default: 0] -= netFee
                if let refusal = stakeRefusal(stake, owner: owner.hex, now: head.timestamp, in: charged) {
                    return fail("CONTRACT_VALIDATE_ERROR", "Contract validate error : \(refusal)")
                }
            } else {
                switch contract.type {
                case .triggerSmartContract:
                    guard let trigger = try? Protocol_TriggerSmartContract(unpackingAny: contract.parameter) else {
                        return fail("CONTRACT_VALIDATE_ERROR", "Contract validate error : No contract!")
                    }
                    guard (0...config.maxFeeLimit).contains(raw.feeLimit) else {
                        return fail(
                            "CONTRACT_VALIDATE_ERROR",
                            "Contract validate error : feeLimit must be >= 0 and <= \(config.maxFeeLimit)")
                    }
                    guard [UInt8](trigger.contractAddress) == config.usdtContract.bytes else {
                        return fail(
                            "CONTRACT_VALIDATE_ERROR", "Contract validate error : No contract or not a smart contract")
                    }
                case .transferContract:
                    guard let transfer = try? Protocol_TransferContract(unpackingAny: contract.parameter) else {
                        return fail("CONTRACT_VALIDATE_ERROR", "Contract validate error : No contract!")
                    }
                    guard transfer.amount > 0, trx >= transfer.amount + netFee else {
                        return fail(
                            "CONTRACT_VALIDATE_ERROR",
                            "Contract validate error : Validate TransferContract error, balance is not sufficient.")
                    }
                default:
                    return fail(
                        "CONTRACT_VALIDATE_ERROR",
                        "Contract validate error : contract type \(contract.type) is not supported by the devnet")
                }
            }
            if !drop {
                state.transactions[txid] = DevnetState.Transaction(
                    txid: txid, transactionHex: Hex.encode(signed.transactionBytes), blockNumber: nil, receipt: nil)
                state.pending.append(DevnetState.Pending(txid: txid, includeAfter: head.number + delay))
            }
            return BroadcastOutcome(code: nil, message: "", txid: txid)
        }
        if outcome.accepted && drop {
            logger.debug("broadcast dropped by fault injection", metadata: ["txid": "\(txid)"])
        }
        return outcome
    }

    static func owner(of contract: Protocol_Transaction.Contract) -> TronAddress? {
        switch contract.type {
        case .triggerSmartContract:
            (try? Protocol_TriggerSmartContract(unpackingAny: contract.parameter)).flatMap {
                try? TronAddress(bytes: [UInt8]($0.ownerAddress))
            }
        case .transferContract:
            (try? Protocol_TransferContract(unpackingAny: contract.parameter)).flatMap {
                try? TronAddress(bytes: [UInt8]($0.ownerAddress))
            }
        default:
            StakeContract(contract).flatMap { try? TronAddress(bytes: [UInt8]($0.ownerAddress)) }
        }
    }

    /// The reference block must be one of the last 65,536 blocks with the same id bytes 8..<16.
    static func taposMatches(_ raw: Protocol_Transaction.raw, blocks: [DevnetState.Block]) -> Bool {
        guard raw.refBlockBytes.count == 2, raw.refBlockHash.count == 8 else { return false }
        let low =
            Int64(raw.refBlockBytes[raw.refBlockBytes.startIndex]) << 8
            | Int64(raw.refBlockBytes[raw.refBlockBytes.startIndex + 1])
        for block in blocks.suffix(65_536).reversed() where block.number & 0xffff == low {
            return Hex.decode(block.id).map { Array($0[8..<16]) == [UInt8](raw.refBlockHash) } ?? false
        }
        return false
    }
}
