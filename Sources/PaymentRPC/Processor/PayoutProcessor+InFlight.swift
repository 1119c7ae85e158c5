import Foundation
import Logging
import Metrics
import PaymentCore
import PaymentStore
import TronKit
import TronNode

extension PayoutProcessor {
    /// Looks up every SIGNED or BROADCAST payout by txID and moves it on (rules 1 and 3). Returns the head and
    /// solid blocks it used, for the rest of the round.
    /// `unincluded` are the live transactions of those not yet recorded in a block when they were read (what they
    /// may still burn is not in the wallet's balance yet).
    @discardableResult
    public func resolveInFlight() async throws -> (
        head: BlockSummary, solid: BlockSummary, unincluded: [StoredTransaction]
    ) {
        let head = try await node.nowBlock()
        // Read before any lookup (rule 1c's order): a lookup made after it is at least as new as this block.
        let solid = try await node.solidBlock()
        chainHead.update(head: head, solid: solid)
        let inFlight = try await ledger.inFlightPayouts()
        try await forEach(inFlight) { item in
            try await resolve(item, solid: solid)
        }
        return (head, solid, inFlight.filter { $0.payout.chain == nil }.map(\.transaction))
    }

    /// Gathers one transaction's inputs, asks `PayoutStep.decide`, and performs the answer.
    func resolve(_ item: InFlightPayout, solid: BlockSummary) async throws {
        let payout = item.payout
        let txid = item.transaction.txid
        let now = clock.now()
        guard nextLookup.isDue(payout.id, at: now) else { return }
        nextLookup.schedule(payout.id, at: now.addingTimeInterval(settings.lookupInterval.seconds))
        let transaction = PayoutStep.InFlight(
            txid: txid, expirationMilliseconds: item.transaction.expirationMilliseconds, attempts: item.attempts,
            status: payout.status, recordedBlockNumber: payout.chain?.blockNumber, nextBroadcast: item.nextAttempt)
        let solidity = try await Self.lookup(node, txid: txid, solid: true)
        let fullNode: PayoutStep.Lookup
        if case .included = solidity {
            fullNode = .failed("not asked: the solidity endpoint holds it")
        } else {
            fullNode = try await Self.lookup(node, txid: txid, solid: false)
        }
        let primary = PayoutStep.Primary(
            solid: PayoutStep.SolidBlock(number: solid.number, timeMilliseconds: solid.timestamp),
            solidityLookup: solidity, fullNodeLookup: fullNode)
        var action = PayoutStep.decide(
            transaction, primary: primary, primaryName: nodeName, now: now, settings: settings.step, random: random())
        if action == .verifyAbsence {
            let evidence = try await absenceEvidence(txid: txid)
            action = PayoutStep.decide(
                transaction, primary: primary, primaryName: nodeName, evidence: evidence, now: now,
                settings: settings.step, random: random())
        }
        try await perform(action, item, now: now)
    }

    func perform(_ action: PayoutStep.Action, _ item: InFlightPayout, now: Date) async throws {
        let payout = item.payout
        let txid = item.transaction.txid
        switch action {
        case .finish(let confirmed, let receipt, let reason):
            try await finish(payout, txid: txid, confirmed: confirmed, receipt: receipt, reason: reason)
            nextLookup.forget(payout.id)
        case .recordIncluded(let blockNumber, let blockTime):
            try await ledger.recordIncluded(
                payoutID: payout.id, txid: txid, blockNumber: blockNumber, blockTime: Date(milliseconds: blockTime),
                at: now)
        case .follow, .verifyAbsence:
            // `.verifyAbsence` cannot come back once the evidence is given; looking again later is the safe reading.
            return
        case .retire(let failed, let retryAt, let reason):
            try await retire(item, failed: failed, retryAt: retryAt, reason: reason, now: now)
            nextLookup.forget(payout.id)
        case .rebroadcastSameBytes:
            // Only the payout's current owner sends (rule 5); the next round looks again.
            guard try await ledger.renewLeases(payoutIDs: [payout.id]).contains(payout.id) else { return }
            let signed = try SignedTronTransaction(transactionBytes: item.transaction.transactionBytes)
            let answer = await broadcastAnswer(signed)
            // Rule 7: SIGNED means "maybe accepted" (sent before a crash, or unanswered); BROADCAST means accepted.
            let history: PayoutStep.BroadcastHistory = payout.status == .broadcast ? .accepted : .unknown
            try await perform(
                PayoutStep.decideBroadcast(answer, history: history, now: now, settings: settings.step), answer,
                payout, txid: txid, now: now)
        case .wait(let until, let why):
            nextLookup.schedule(payout.id, at: until)
            Counter(label: "tron_payout_waits_total", dimensions: [("reason", why.label)]).increment()
            guard nextLookup.noteReason(payout.id, why.label) else { return }
            let metadata: Logger.Metadata = ["payout_id": "\(payout.id)", "txid": "\(txid)", "why": "\(why)"]
            switch why {
            case .receiptWithoutResult:
                Counter(label: "tron_payout_receipt_anomalies_total").increment()
                logger.error("TRC-20 receipt without receipt.result; not confirmed, still followed", metadata: metadata)
            case .solidBlockAheadOfClock, .crossCheckDisagrees, .lookupFailed:
                logger.warning("transaction not retired: absence is not proven", metadata: metadata)
            case .rebroadcastDeferred, .notExpiredByLocalClock:
                logger.debug("transaction waits", metadata: metadata)
            }
        }
    }

    /// What the primary's second index and every cross-check node say about a transaction the primary calls dead.
    func absenceEvidence(txid: String) async throws -> PayoutStep.AbsenceEvidence {
        try await Self.absenceEvidence(txid: txid, node: node, crossChecks: crossChecks)
    }

    /// `absenceEvidence(txid:)` from `node` (the primary) and `crossChecks`.
    static func absenceEvidence(txid: String, node: any TronNodeAPI, crossChecks: [CrossCheckNode]) async throws
        -> PayoutStep.AbsenceEvidence
    {
        let byID = try await Self.existence(node, txid: txid)
        var checks: [PayoutStep.CrossCheck] = []
        for check in crossChecks {
            // The solid block first, then the lookups: an answer read after the block is at least as new as it.
            let solid: Result<PayoutStep.SolidBlock, PayoutStep.Failure>
            do {
                let block = try await check.node.solidBlock()
                solid = .success(PayoutStep.SolidBlock(number: block.number, timeMilliseconds: block.timestamp))
            } catch let error as CancellationError {
                throw error
            } catch {
                solid = .failure(PayoutStep.Failure("solid block: \(error)"))
            }
            var lookup = try await Self.lookup(check.node, txid: txid, solid: true)
            if lookup == .absent { lookup = try await Self.existence(check.node, txid: txid) }
            checks.append(PayoutStep.CrossCheck(node: check.name, solid: solid, lookup: lookup))
        }
        return PayoutStep.AbsenceEvidence(primaryTransactionByID: byID, crossChecks: checks)
    }

    /// `gettransactioninfobyid` as a lookup: a thrown error is `.failed`, never absent (rule 1a).
    static func lookup(_ node: any TronNodeAPI, txid: String, solid: Bool) async throws -> PayoutStep.Lookup {
        do {
            guard let receipt = try await node.transactionInfo(txid: txid, solid: solid) else { return .absent }
            return .included(PayoutStep.Receipt(receipt))
        } catch let error as CancellationError {
            throw error
        } catch {
            return .failed("\(error)")
        }
    }

    /// `/walletsolidity/gettransactionbyid` as a lookup: known is `.failed` (an index disagreeing with the
    /// receipt index is no proof of absence), a thrown error is `.failed`, `{}` is absent.
    static func existence(_ node: any TronNodeAPI, txid: String) async throws -> PayoutStep.Lookup {
        do {
            return try await node.transactionExists(txid: txid, solid: true)
                ? .failed("/walletsolidity/gettransactionbyid knows the transaction") : .absent
        } catch let error as CancellationError {
            throw error
        } catch {
            return .failed("\(error)")
        }
    }

    func finish(_ payout: Payout, txid: String, confirmed: Bool, receipt: PayoutStep.Receipt, reason: String?)
        async throws
    {
        let outcome = FinalOutcome(
            confirmed: confirmed, reason: reason, blockNumber: receipt.blockNumber,
            blockTime: Date(milliseconds: receipt.blockTimeMilliseconds), feeSun: receipt.feeSun,
            energyUsed: receipt.energyUsed, bandwidthUsed: receipt.bandwidthUsed)
        try await ledger.recordFinal(payoutID: payout.id, txid: txid, outcome: outcome, at: clock.now())
        await breaker.record(success: confirmed)
        Counter(label: confirmed ? "tron_payouts_confirmed_total" : "tron_payouts_failed_total").increment()
        logger.info(
            confirmed ? "payout confirmed" : "payout failed on chain",
            metadata: [
                "payout_id": "\(payout.id)", "txid": "\(txid)", "block": "\(receipt.blockNumber)",
                "fee_sun": "\(receipt.feeSun)",
            ])
    }

    func retire(_ item: InFlightPayout, failed: Bool, retryAt: Date, reason: String, now: Date) async throws {
        try await ledger.retireTransaction(
            payoutID: item.payout.id, txid: item.transaction.txid, failReason: failed ? reason : nil, retryAt: retryAt,
            error: "transaction \(item.transaction.txid) expired unconfirmed", at: now)
        if failed { await breaker.record(success: false) }
        Counter(label: "tron_payout_transactions_retired_total").increment()
        logger.notice(
            failed
                ? "payout failed: transactions kept expiring"
                : "transaction expired unconfirmed; a new one will be built",
            metadata: [
                "payout_id": "\(item.payout.id)", "txid": "\(item.transaction.txid)",
                "attempts": "\(item.attempts + 1)",
            ])
    }
}

extension PayoutStep.Receipt {
    init(_ receipt: TransactionReceipt) {
        self.init(
            blockNumber: receipt.blockNumber, blockTimeMilliseconds: receipt.blockTimestamp, feeSun: receipt.fee,
            energyUsed: receipt.energyUsed, bandwidthUsed: receipt.bandwidthUsed,
            contractResult: receipt.contractResult, failed: receipt.failed, message: receipt.message)
    }
}
