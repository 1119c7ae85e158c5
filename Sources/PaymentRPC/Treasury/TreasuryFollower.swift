import Foundation
import Logging
import Metrics
import PaymentCore
import PaymentStore
import ServiceLifecycle
import TronKit
import TronNode

/// Follows the hot wallet's open treasury operations to a solid block (a `Service` in payment-rpc beside the
/// payout processor), with the processor's rules for one transaction (`PayoutProcessor.swift`):
/// - its receipt in a solid block at the primary's solidity endpoint finishes it (rule 6; a system contract's
///   receipt has no contract result: not FAILED is CONFIRMED);
/// - not in a block and not provably dead: the same stored bytes are sent again (rule 3);
/// - provably dead (rule 1: expired by the primary's solid block, its two solidity lookups, the local clock and
///   every cross-check node): the operation FAILS, nothing having changed on chain. It is never signed afresh, so it
///   cannot land twice.
/// - a refused first send of fresh bytes fails it (rule 7); a later refusal changes nothing.
public struct TreasuryFollower: Service {
    let ledger: any ProcessingLedger
    let node: any TronNodeAPI
    let nodeName: String
    let crossChecks: [CrossCheckNode]
    let settings: ProcessorSettings
    let clock: any WallClock
    let logger: Logger

    /// A follower asking `node` (the primary) and `crossChecks`, every `settings.pollInterval`.
    public init(
        ledger: any ProcessingLedger, node: any TronNodeAPI, nodeName: String = "primary",
        crossChecks: [CrossCheckNode] = [], settings: ProcessorSettings, clock: any WallClock = SystemWallClock(),
        logger: Logger
    ) {
        self.ledger = ledger
        self.node = node
        self.nodeName = nodeName
        self.crossChecks = crossChecks
        self.settings = settings
        self.clock = clock
        self.logger = logger
    }

    /// Rounds until graceful shutdown; errors are logged and the next round tries again.
    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    do {
                        try await round()
                    } catch let error as CancellationError {
                        throw error
                    } catch {
                        logger.warning("treasury round interrupted", metadata: ["error": "\(error)"])
                    }
                    try await Task.sleep(for: settings.pollInterval)
                }
            }
        } catch is CancellationError {
            return
        }
    }

    /// One look at every open operation.
    public func round() async throws {
        let open = try await ledger.openTreasuryOperations()
        guard !open.isEmpty else { return }
        // The solid block before any lookup (rule 1c's order).
        let solid = try await node.solidBlock()
        for item in open {
            do {
                try await follow(item, solid: solid)
            } catch let error as CancellationError {
                throw error
            } catch {
                logger.warning(
                    "treasury operation not followed this round",
                    metadata: ["operation_id": "\(item.operation.id)", "error": "\(error)"])
            }
        }
    }

    func follow(_ item: OpenTreasuryOperation, solid: BlockSummary) async throws {
        let operation = item.operation
        let txid = item.transaction.txid
        let now = clock.now()
        var step = settings.step
        // One transaction per operation: a retire fails it (never a second transaction).
        step.maxAttempts = 1
        var transaction = PayoutStep.InFlight(
            txid: txid, expirationMilliseconds: item.transaction.expirationMilliseconds, attempts: 0,
            status: operation.status == .broadcast ? .broadcast : .signed, recordedBlockNumber: operation.blockNumber)
        transaction.systemContract = true
        let solidity = try await PayoutProcessor.lookup(node, txid: txid, solid: true)
        let fullNode: PayoutStep.Lookup
        if case .included = solidity {
            fullNode = .failed("not asked: the solidity endpoint holds it")
        } else {
            fullNode = try await PayoutProcessor.lookup(node, txid: txid, solid: false)
        }
        let primary = PayoutStep.Primary(
            solid: PayoutStep.SolidBlock(number: solid.number, timeMilliseconds: solid.timestamp),
            solidityLookup: solidity, fullNodeLookup: fullNode)
        var action = PayoutStep.decide(
            transaction, primary: primary, primaryName: nodeName, now: now, settings: step, random: 0)
        if action == .verifyAbsence {
            let evidence = try await PayoutProcessor.absenceEvidence(
                txid: txid, node: node, crossChecks: crossChecks)
            action = PayoutStep.decide(
                transaction, primary: primary, primaryName: nodeName, evidence: evidence, now: now, settings: step,
                random: 0)
        }
        let metadata: Logger.Metadata = ["operation_id": "\(operation.id)", "txid": "\(txid)"]
        switch action {
        case .finish(let confirmed, let receipt, let reason):
            try await ledger.recordTreasuryFinal(
                id: operation.id,
                outcome: FinalOutcome(
                    confirmed: confirmed, reason: reason, blockNumber: receipt.blockNumber,
                    blockTime: Date(milliseconds: receipt.blockTimeMilliseconds), feeSun: receipt.feeSun,
                    energyUsed: receipt.energyUsed, bandwidthUsed: receipt.bandwidthUsed),
                at: now)
            Counter(
                label: "tron_treasury_operations_total", dimensions: [("outcome", confirmed ? "confirmed" : "failed")]
            ).increment()
            logger.notice(
                confirmed ? "treasury operation confirmed" : "treasury operation failed on chain",
                metadata: metadata.merging(["block": "\(receipt.blockNumber)", "reason": "\(reason ?? "")"]) { $1 })
        case .recordIncluded(let blockNumber, _):
            try await ledger.recordTreasuryIncluded(id: operation.id, blockNumber: blockNumber, at: now)
        case .retire:
            try await ledger.recordTreasuryFinal(
                id: operation.id,
                outcome: FinalOutcome(
                    confirmed: false,
                    reason:
                        "transaction \(txid) expired without landing: nothing changed on chain; retry with a new "
                        + "idempotency key"),
                at: now)
            Counter(label: "tron_treasury_operations_total", dimensions: [("outcome", "expired")]).increment()
            logger.warning("treasury operation expired without landing", metadata: metadata)
        case .rebroadcastSameBytes:
            let signed = try SignedTronTransaction(transactionBytes: item.transaction.transactionBytes)
            // Rule 7: bytes that were (or may have been) sent before stay live whatever this send answers.
            if case .accepted = await Self.send(signed, node: node) {
                try await ledger.recordTreasuryBroadcast(id: operation.id, at: now)
            }
        case .follow, .verifyAbsence, .wait:
            return
        }
    }

    /// What one broadcast answered.
    enum SendAnswer: Equatable {
        case accepted
        case refused(code: String, message: String)
        case unanswered
    }

    static func send(_ signed: SignedTronTransaction, node: any TronNodeAPI) async -> SendAnswer {
        do {
            let reply = try await node.broadcast(signed)
            switch reply.code {
            case nil, "DUP_TRANSACTION_ERROR": return .accepted
            case let code?: return .refused(code: code, message: reply.message)
            }
        } catch {
            return .unanswered
        }
    }

    /// The first send of freshly signed, stored bytes: accepted → BROADCAST; refused → FAILED with the node's
    /// words (nothing was ever accepted, rule 7); unanswered → stays SIGNED for the follower.
    static func firstSend(
        _ signed: SignedTronTransaction, of operation: TreasuryOperation, ledger: any ProcessingLedger,
        node: any TronNodeAPI, clock: any WallClock, logger: Logger
    ) async throws {
        switch await send(signed, node: node) {
        case .accepted:
            try await ledger.recordTreasuryBroadcast(id: operation.id, at: clock.now())
        case .refused(let code, let message):
            let reason = "the node refused the transaction: \(code)\(message.isEmpty ? "" : ": \(message)")"
            try await ledger.recordTreasuryFinal(
                id: operation.id, outcome: FinalOutcome(confirmed: false, reason: reason), at: clock.now())
            Counter(label: "tron_treasury_operations_total", dimensions: [("outcome", "refused")]).increment()
            logger.warning(
                "treasury operation refused by the node",
                metadata: ["operation_id": "\(operation.id)", "reason": "\(reason)"])
        case .unanswered:
            logger.notice(
                "treasury operation's first broadcast unanswered; the follower sends it again",
                metadata: ["operation_id": "\(operation.id)"])
        }
    }
}
