import Foundation
import Logging
import Metrics
import PaymentCore
import PaymentStore
import TronKit
import TronNode

extension PayoutProcessor {
    /// Signs and broadcasts due payouts, in order, while the outflow windows (rule 8) and the breaker admit them,
    /// against the round's head (expiration) and solid block (TaPoS reference).
    /// `unincluded` are the in-flight transactions not yet in a block: what they may still burn is set aside from
    /// the hot wallet's TRX before anything new is signed.
    func signDue(head: BlockSummary, solid: BlockSummary, unincluded: [StoredTransaction] = []) async throws {
        let now = clock.now()
        // Transactions signed late in a long round would expire before their first send: stop at half the window.
        let signUntil = now.addingTimeInterval(Double(settings.expirationMilliseconds) / 2_000)
        // The round's breaker refresh may have opened it: sign nothing, and claim nothing either.
        guard breaker.current().state != .open else { return }
        let due = try await ledger.duePayouts(at: now, limit: settings.batchSize)
        guard !due.isEmpty else {
            outflow.update(nil, logger: logger)
            fees.update(nil, logger: logger)
            return
        }
        var figures = try await transferFees()
        fees.record(figures)
        figures.reserve(Self.worstBurn(of: unincluded, sunPerByte: figures.sunPerByte))
        // What the hot wallet's staking operations in flight will take from the balance or the stake.
        figures.setAside(try await ledger.openTreasuryOperations().map(\.operation.action))
        var feeWait: FeeWaiting.State?
        var signedSoFar = try await ledger.signedOutflow(
            hourStart: UTCWindow.hourStart(now), dayStart: UTCWindow.dayStart(now))
        let reference = try ReferenceBlock(blockID: solid.id)
        var stored: [(Payout, SignedTronTransaction)] = []
        var waiting: OutflowWaiting.State?
        signing: for payout in due {
            if let limits = settings.outflowLimits {
                let decision = PayoutStep.decideSigning(
                    amountUnits: payout.amountUnits, signed: signedSoFar, limits: limits, now: now)
                if case .wait(let until, let limit, let reason) = decision {
                    // Everything due behind it waits too: first due, first signed. (What this round signed is
                    // SIGNED already, so it is not counted.)
                    let count = try await ledger.countDuePayouts(at: now)
                    waiting = OutflowWaiting.State(count: count, limit: limit, until: until, reason: reason)
                    break
                }
            }
            let to = try TronAddress(base58: payout.recipient)
            // A node's head timestamp is outside input: an absurd one must stop the round, not trap the process.
            let (expiration, overflow) = head.timestamp.addingReportingOverflow(settings.expirationMilliseconds)
            guard !overflow else { throw TronNodeError.node("head block timestamp \(head.timestamp) is out of range") }
            guard clock.now() <= signUntil else { break }
            // Fees before the breaker: a transfer the hot wallet cannot pay for waits, unsigned, and is no attempt.
            let energy: Int64
            do {
                energy = try await node.estimateTransferEnergy(
                    owner: key.address, to: to, amount: payout.amountUnits, contract: settings.usdtContract)
            } catch {
                // What this round signed is still sent below; the rest is priced again next round.
                logger.warning("no energy estimate; signing stops for this round", metadata: ["error": "\(error)"])
                break
            }
            let feeLimit = figures.feeLimit(
                energy: energy, floorEnergy: settings.minTransferEnergy, marginPercent: settings.feeMarginPercent,
                capSun: settings.feeLimitSun)
            let raw = try TronTransaction.trc20Transfer(
                owner: key.address, to: to, amount: payout.amountUnits, contract: settings.usdtContract,
                reference: reference, timestamp: timestamps.next(after: clock.now().milliseconds),
                expiration: expiration, feeLimit: feeLimit ?? 0)
            let rawBytes = try TronTransaction.serialize(raw)
            let plan: TransferFees.Plan
            switch figures.decide(
                energy: energy, floorEnergy: settings.minTransferEnergy, bytes: Self.bandwidthBytes(rawBytes: rawBytes),
                marginPercent: settings.feeMarginPercent, capSun: settings.feeLimitSun)
            {
            case .sign(let decided):
                plan = decided
            case .wait(let reason):
                // Everything due behind it waits too, as for the outflow windows.
                feeWait = FeeWaiting.State(count: try await ledger.countDuePayouts(at: now), reason: reason)
                break signing
            }
            guard breaker.admitAttempt() else {
                logger.notice("circuit breaker holds due payouts", metadata: ["waiting": "\(due.count - stored.count)"])
                break
            }
            let signed = try TronTransaction.sign(rawBytes: rawBytes, with: key)
            do {
                // Signed at `now`: the same instant the outflow window was checked against (rule 8), checked again
                // inside the transaction that stores it, against every processor's signatures.
                try await ledger.recordSigned(
                    payoutID: payout.id,
                    transaction: StoredTransaction(
                        txid: signed.txidHex, transactionBytes: signed.transactionBytes,
                        expirationMilliseconds: raw.expiration),
                    outflowLimits: settings.outflowLimits, at: now)
            } catch let refusal as OutflowRefusal {
                // Another processor signed into the window since `signedSoFar` was read: wait like above.
                let count = try await ledger.countDuePayouts(at: now)
                waiting = OutflowWaiting.State(
                    count: count, limit: refusal.limit, until: refusal.until, reason: refusal.reason)
                break
            } catch let error as LeaseLost {
                logger.notice("payout not signed", metadata: ["payout_id": "\(payout.id)", "reason": "\(error)"])
                continue
            } catch let error as PaymentError {
                // Cancelled meanwhile, or already signed: nothing left this process.
                logger.info("payout not signed", metadata: ["payout_id": "\(payout.id)", "reason": "\(error.message)"])
                continue
            } catch {
                // Not stored (for example a txID already on record): nothing left this process; next round retries.
                logger.warning("payout not signed", metadata: ["payout_id": "\(payout.id)", "error": "\(error)"])
                continue
            }
            Counter(label: "tron_payout_signed_total").increment()
            guard let next = PayoutStep.adding(payout.amountUnits, to: signedSoFar) else {
                throw PaymentError(.internal, "the outflow sums overflow Int64")
            }
            signedSoFar = next
            figures.spend(plan, bytes: Int64(signed.transactionBytes.count + 64))
            stored.append((payout, signed))
        }
        outflow.update(waiting, logger: logger)
        fees.update(feeWait, logger: logger)
        outflow.record(signed: signedSoFar)
        // Every transaction above is durable (rule 2); only now do their bytes leave the process, and only for the
        // payouts this processor still holds (rule 5).
        let held = stored.isEmpty ? [] : try await ledger.renewLeases(payoutIDs: stored.map(\.0.id))
        try await forEach(stored.filter { held.contains($0.0.id) }) { payout, signed in
            let answer = await broadcastAnswer(signed)
            // Rule 7: these bytes are fresh; this is their first send.
            let action = PayoutStep.decideBroadcast(
                answer, history: .freshBytes, now: clock.now(), settings: settings.step)
            try await perform(action, answer, payout, txid: signed.txidHex, now: clock.now())
        }
    }

    /// The round's fee figures from the node: the energy and bandwidth prices, the hot wallet's TRX, and the energy
    /// and bandwidth its stake and the free allowance have left (getaccountresource recovers usage to the head).
    func transferFees() async throws -> TransferFees {
        try await Self.transferFees(node: node, address: key.address)
    }

    /// `transferFees()` of `address` at `node`.
    static func transferFees(node: any TronNodeAPI, address: TronAddress) async throws -> TransferFees {
        let parameters = try await node.chainParameters()
        let trx = try await node.trxBalance(of: address)
        let resources = try await node.accountResource(of: address)
        // The node's figures are outside input: no subtraction may trap, and no account has more energy than the
        // whole network.
        func left(_ limit: String, _ used: String, cap: String? = nil) -> Int64 {
            var total = max(0, resources[limit] ?? 0)
            if let cap, let network = resources[cap], network > 0 { total = min(total, network) }
            let (difference, overflow) = total.subtractingReportingOverflow(max(0, resources[used] ?? 0))
            return overflow ? 0 : max(0, difference)
        }
        return TransferFees(
            sunPerEnergy: parameters["getEnergyFee"].flatMap { $0 > 0 ? $0 : nil } ?? 100,
            sunPerByte: parameters["getTransactionFee"] ?? 1_000, trxSun: trx,
            stakedEnergy: left("EnergyLimit", "EnergyUsed", cap: "TotalEnergyLimit"),
            bandwidthBytes: max(left("NetLimit", "NetUsed"), left("freeNetLimit", "freeNetUsed")))
    }

    /// What `transactions` may still burn at most: each one's fee_limit and its bandwidth at `sunPerByte`.
    static func worstBurn(of transactions: [StoredTransaction], sunPerByte: Int64) -> Int64 {
        var total: Int64 = 0
        for transaction in transactions {
            // Unreadable bytes count as the largest fee_limit the chain allows (15,000 TRX).
            let feeLimit =
                (try? SignedTronTransaction(transactionBytes: transaction.transactionBytes))?.raw.feeLimit
                ?? 15_000_000_000
            let bandwidth = Int64(transaction.transactionBytes.count + 64).multipliedReportingOverflow(by: sunPerByte)
            let (sum, overflow) = total.addingReportingOverflow(max(0, feeLimit))
            guard !overflow, !bandwidth.overflow else { return .max }
            let (withBandwidth, overflowB) = sum.addingReportingOverflow(bandwidth.partialValue)
            guard !overflowB else { return .max }
            total = withBandwidth
        }
        return total
    }

    /// The bandwidth a transfer of `rawBytes` takes once signed: the Transaction message (raw_data and one 65-byte
    /// signature, each with a tag and a length) and java-tron's 64 bytes for the result (TRON.md §4.3).
    static func bandwidthBytes(rawBytes: [UInt8]) -> Int64 {
        func lengthPrefix(_ count: Int) -> Int { count < 128 ? 1 : count < 16_384 ? 2 : 3 }
        return Int64(1 + lengthPrefix(rawBytes.count) + rawBytes.count + 1 + 1 + 65 + 64)
    }

    /// Broadcasts and classifies the answer; no answer is `.unanswered` (the bytes may or may not have left).
    func broadcastAnswer(_ signed: SignedTronTransaction) async -> PayoutStep.BroadcastAnswer {
        do {
            let reply = try await node.broadcast(signed)
            Counter(label: "tron_payout_broadcast_total", dimensions: [("code", reply.code ?? "SUCCESS")]).increment()
            switch reply.code {
            case nil: return .accepted
            case "DUP_TRANSACTION_ERROR": return .duplicate
            case let code?: return .refused(code: code, message: reply.message)
            }
        } catch {
            Counter(label: "tron_payout_broadcast_total", dimensions: [("code", "UNANSWERED")]).increment()
            return .unanswered("\(error)")
        }
    }

    /// Performs a broadcast decision (TRON.md §4.3 codes).
    func perform(
        _ action: PayoutStep.BroadcastAction, _ answer: PayoutStep.BroadcastAnswer, _ payout: Payout, txid: String,
        now: Date
    ) async throws {
        let metadata: Logger.Metadata = ["payout_id": "\(payout.id)", "txid": "\(txid)"]
        switch action {
        case .recordBroadcast:
            if payout.status != .broadcast {
                try await ledger.recordBroadcast(payoutID: payout.id, txid: txid, at: now)
            }
        case .fail(let reason, let effect):
            // The breaker first: what the node answered stands even when the write below fails (a lease lost
            // during a slow broadcast, the database away), and a SIGERROR must stop signing either way.
            try await apply(effect, metadata: metadata)
            try await ledger.recordFinal(
                payoutID: payout.id, txid: txid, outcome: FinalOutcome(confirmed: false, reason: reason), at: now)
            logger.error(
                "payout failed: its first broadcast was refused",
                metadata: metadata.merging(["reason": "\(reason)"]) { $1 })
        case .retryLater(let retryAt, let note, let effect):
            if case .refused("BANDWITH_ERROR", _) = answer {
                Counter(label: "tron_payout_bandwidth_errors_total").increment()
                logger.error("hot wallet lacks TRX for bandwidth; payout waits", metadata: metadata)
            } else if case .refused = answer {
                Counter(label: "tron_payout_rebroadcast_refused_total").increment()
                logger.notice(
                    "broadcast refused; the transaction stays live and is looked up again",
                    metadata: metadata.merging(["note": "\(note)"]) { $1 })
            }
            try await apply(effect, metadata: metadata)
            try await ledger.recordDeferral(payoutID: payout.id, error: note, retryAt: retryAt, at: now)
        }
    }

    func apply(_ effect: PayoutStep.BreakerEffect, metadata: Logger.Metadata) async throws {
        switch effect {
        case .none: return
        case .recordFailure: await breaker.record(success: false)
        case .trip(let reason):
            await breaker.tripAutomatically(reason: reason)
            logger.critical("SIGERROR from the node; circuit breaker opened", metadata: metadata)
        }
    }
}
