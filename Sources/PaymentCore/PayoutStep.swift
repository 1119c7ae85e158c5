import Foundation

extension PayoutStep {
    /// What to do with an in-flight transaction after a lookup.
    public enum Action: Sendable, Equatable {
        /// In a solid block by a solidity endpoint: final. `confirmed` only with `receipt.result == "SUCCESS"`.
        case finish(confirmed: Bool, receipt: Receipt, reason: String?)
        /// In a block that is not solid yet: remember where (SIGNED → BROADCAST), look again later.
        case recordIncluded(blockNumber: Int64, blockTimeMilliseconds: Int64)
        /// In a block as recorded: nothing to store; look again later.
        case follow
        /// The primary says the transaction is provably dead: gather `AbsenceEvidence` and decide again.
        case verifyAbsence
        /// Provably dead by every node asked (rule 1): retire it; fail the payout when `failed`, else sign anew
        /// after `retryAt`.
        case retire(failed: Bool, retryAt: Date, reason: String)
        /// Not in a block and maybe still includable: send the same stored bytes again (rule 3).
        case rebroadcastSameBytes
        /// Nothing may be decided now; look again at `until`.
        case wait(until: Date, why: WaitReason)
    }

    /// Why a transaction waits; `label` is a bounded metric label.
    public enum WaitReason: Sendable, Equatable, CustomStringConvertible {
        /// Not in a block yet; the same bytes are sent again when the deferral ends.
        case rebroadcastDeferred
        /// A node's solid block is ahead of the local clock beyond the tolerance: it may not retire anything.
        case solidBlockAheadOfClock(node: String, aheadMilliseconds: Int64)
        /// The node's solid block is past the expiration, but the local clock is not.
        case notExpiredByLocalClock
        /// A lookup had no usable answer, so absence is not proven.
        case lookupFailed(node: String, message: String)
        /// A cross-check node does not agree the transaction is dead.
        case crossCheckDisagrees(node: String, message: String)
        /// A TRC-20 receipt without `receipt.result`: an anomaly, neither success nor failure.
        case receiptWithoutResult(blockNumber: Int64)

        /// A bounded label for metrics.
        public var label: String {
            switch self {
            case .rebroadcastDeferred: "rebroadcast_deferred"
            case .solidBlockAheadOfClock: "solid_block_ahead_of_clock"
            case .notExpiredByLocalClock: "not_expired_by_local_clock"
            case .lookupFailed: "lookup_failed"
            case .crossCheckDisagrees: "cross_check_disagrees"
            case .receiptWithoutResult: "receipt_without_result"
            }
        }

        /// One sentence for the processor's logs; names the node but never a secret.
        public var description: String {
            switch self {
            case .rebroadcastDeferred: "not in a block; the same bytes go out again when the deferral ends"
            case .solidBlockAheadOfClock(let node, let ahead):
                "\(node)'s solid block is \(ahead) ms ahead of the local clock; it may not retire anything"
            case .notExpiredByLocalClock: "the solid block is past the expiration but the local clock is not"
            case .lookupFailed(let node, let message): "lookup at \(node) failed: \(message)"
            case .crossCheckDisagrees(let node, let message): "cross-check node \(node) does not agree: \(message)"
            case .receiptWithoutResult(let block):
                "the receipt in block \(block) has no receipt.result; not counted as confirmed"
            }
        }
    }

    /// Decides what to do with an in-flight transaction from this round's lookups.
    ///
    /// - `primary`: the primary node's solid block and lookups; `primaryName` names it in wait reasons.
    /// - `evidence`: nil until the step asked for it with `.verifyAbsence`.
    /// - `random`: a value in [0, 1) for the retry jitter, so the step stays pure.
    public static func decide(
        _ transaction: InFlight, primary: Primary, primaryName: String = "primary", evidence: AbsenceEvidence? = nil,
        now: Date, settings: Settings, random: Double
    ) -> Action {
        let lookAgain = now.addingTimeInterval(settings.lookupInterval)
        // Rule 6: only a solidity endpoint finishes a payout, and only a SUCCESS result confirms it.
        if case .included(let receipt) = primary.solidityLookup {
            if transaction.systemContract, !receipt.failed, receipt.contractResult == nil {
                return .finish(confirmed: true, receipt: receipt, reason: nil)
            }
            return finish(receipt, lookAgain: lookAgain)
        }
        // A cross-check node's receipt never finishes a payout: one node alone must not be able to mark a payout
        // CONFIRMED (or FAILED) that the primary's solid chain does not show. Its "included" only blocks a retire
        // (below); the payout stays in flight, shown as such, until the primary's solidity endpoint reports it.
        // In a block that is not solid yet (the full node sees it first).
        if case .included(let receipt) = primary.fullNodeLookup {
            if transaction.recordedBlockNumber != receipt.blockNumber || transaction.status == .signed {
                return .recordIncluded(
                    blockNumber: receipt.blockNumber, blockTimeMilliseconds: receipt.blockTimeMilliseconds)
            }
            return .follow
        }
        if primary.solidityLookup == .absent, primary.solid.timeMilliseconds >= transaction.expirationMilliseconds {
            // Rule 1: the primary's solid block is past the expiration and its solidity endpoint holds nothing.
            // The other nodes are asked even when the primary is not trusted: they may hold the transaction.
            guard let evidence else { return .verifyAbsence }
            if let reason = distrust(primary.solid, node: primaryName, now: now, settings: settings) {
                return .wait(until: lookAgain, why: reason)
            }
            if case .failed(let message) = primary.fullNodeLookup {
                return .wait(until: lookAgain, why: .lookupFailed(node: primaryName, message: message))
            }
            guard now.milliseconds >= transaction.expirationMilliseconds else {
                return .wait(until: lookAgain, why: .notExpiredByLocalClock)
            }
            if let reason = disagreement(evidence, transaction, primaryName: primaryName, now: now, settings: settings)
            {
                return .wait(until: lookAgain, why: reason)
            }
            let attempts = transaction.attempts + 1
            let failed = attempts >= settings.maxAttempts
            return .retire(
                failed: failed, retryAt: now.addingTimeInterval(retryDelay(attempt: attempts, random: random)),
                reason: failed
                    ? "the transaction expired unconfirmed \(attempts) times"
                    : "transaction \(transaction.txid) expired unconfirmed")
        }
        // Rule 3: not in a block and not provably dead (or a lookup failed): the same bytes are always safe to send.
        guard now >= transaction.nextBroadcast else {
            return .wait(until: min(lookAgain, transaction.nextBroadcast), why: .rebroadcastDeferred)
        }
        return .rebroadcastSameBytes
    }

    /// A receipt in a solid block: SUCCESS confirms, a failure fails, anything else (a TRC-20 receipt without a
    /// result) is an anomaly that waits.
    static func finish(_ receipt: Receipt, lookAgain: Date) -> Action {
        if receipt.failed || (receipt.contractResult != nil && receipt.contractResult != "SUCCESS") {
            let result = receipt.contractResult.flatMap { $0 == "SUCCESS" ? nil : $0 } ?? "FAILED"
            let reason =
                "\(result)\(receipt.message.map { ": \($0)" } ?? ""); the fee of \(receipt.feeSun) sun was burned"
            return .finish(confirmed: false, receipt: receipt, reason: reason)
        }
        guard receipt.contractResult == "SUCCESS" else {
            return .wait(until: lookAgain, why: .receiptWithoutResult(blockNumber: receipt.blockNumber))
        }
        return .finish(confirmed: true, receipt: receipt, reason: nil)
    }

    /// Rule 1b: a solid block ahead of the local clock beyond the tolerance is not trusted to retire anything.
    static func distrust(_ solid: SolidBlock, node: String, now: Date, settings: Settings) -> WaitReason? {
        let (limit, overflow) = now.milliseconds.addingReportingOverflow(settings.clockToleranceMilliseconds)
        guard overflow || solid.timeMilliseconds > limit else { return nil }
        return .solidBlockAheadOfClock(node: node, aheadMilliseconds: solid.timeMilliseconds &- now.milliseconds)
    }

    /// Rule 1c: every other index and node must agree the transaction is dead; the first that does not says why.
    static func disagreement(
        _ evidence: AbsenceEvidence, _ transaction: InFlight, primaryName: String, now: Date, settings: Settings
    ) -> WaitReason? {
        switch evidence.primaryTransactionByID {
        case .absent: break
        case .included: return .lookupFailed(node: primaryName, message: "gettransactionbyid knows the transaction")
        case .failed(let message): return .lookupFailed(node: primaryName, message: message)
        }
        for check in evidence.crossChecks {
            let solid: SolidBlock
            switch check.solid {
            case .success(let block): solid = block
            case .failure(let failure): return .crossCheckDisagrees(node: check.node, message: failure.message)
            }
            switch check.lookup {
            case .absent: break
            case .included: return .crossCheckDisagrees(node: check.node, message: "the transaction is in a block")
            case .failed(let message): return .crossCheckDisagrees(node: check.node, message: message)
            }
            guard solid.timeMilliseconds >= transaction.expirationMilliseconds else {
                return .crossCheckDisagrees(
                    node: check.node,
                    message: "its solid block \(solid.number) is not past the expiration yet")
            }
            if let reason = distrust(solid, node: check.node, now: now, settings: settings) { return reason }
        }
        return nil
    }
}
