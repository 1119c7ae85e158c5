import Foundation
import Logging
import Metrics
import PaymentCore
import PaymentStore
import ServiceLifecycle
import Synchronization
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
/// - a first send of fresh bytes refused for good fails it (rule 7, `TreasuryDesk.firstSend`); a later refusal
///   changes nothing, and a SIGNED operation is left alone while its first send may still be waiting for an answer.
public struct TreasuryFollower: Service {
    let ledger: any ProcessingLedger
    let node: any TronNodeAPI
    let nodeName: String
    let crossChecks: [CrossCheckNode]
    let settings: ProcessorSettings
    let clock: any WallClock
    let logger: Logger
    /// A SIGNED operation younger than this is left to its first send (`TreasuryDesk.firstSend`), which may still
    /// be waiting for the node's answer: sending the bytes meanwhile could be accepted after that send's refusal
    /// marked the operation FAILED. At least the node timeout.
    let firstSendGrace: Duration
    /// When each open operation's bytes were last sent by this follower (in memory: after a restart, at once).
    let lastSent = SendTimes()

    /// A follower asking `node` (the primary) and `crossChecks`, every `settings.pollInterval`.
    public init(
        ledger: any ProcessingLedger, node: any TronNodeAPI, nodeName: String = "primary",
        crossChecks: [CrossCheckNode] = [], settings: ProcessorSettings, clock: any WallClock = SystemWallClock(),
        firstSendGrace: Duration = .seconds(10), logger: Logger
    ) {
        self.firstSendGrace = firstSendGrace
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
        // The same bytes go out again at most every rebroadcast interval while they are not in a block.
        let sent = lastSent.get(operation.id)
        var transaction = PayoutStep.InFlight(
            txid: txid, expirationMilliseconds: item.transaction.expirationMilliseconds, attempts: 0,
            status: operation.status == .broadcast ? .broadcast : .signed, recordedBlockNumber: operation.blockNumber,
            nextBroadcast: sent.map { $0.addingTimeInterval(settings.rebroadcastInterval.seconds) } ?? .distantPast)
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
            lastSent.forget(operation.id)
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
            lastSent.forget(operation.id)
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
            // The first send may still be under way (this or another instance): wait until it has had its answer.
            if operation.status == .signed, now.timeIntervalSince(operation.createdAt) < firstSendGrace.seconds {
                return
            }
            let signed = try SignedTronTransaction(transactionBytes: item.transaction.transactionBytes)
            lastSent.set(operation.id, now)
            // Rule 7: bytes that were (or may have been) sent before stay live whatever this send answers.
            switch await Self.send(signed, node: node) {
            case .accepted, .duplicate: try await ledger.recordTreasuryBroadcast(id: operation.id, at: now)
            case .refused, .unanswered: return
            }
        case .follow, .verifyAbsence, .wait:
            return
        }
    }

    /// One send as rule 7 reads it.
    static func send(_ signed: SignedTronTransaction, node: any TronNodeAPI) async -> PayoutStep.BroadcastAnswer {
        do {
            let reply = try await node.broadcast(signed)
            Counter(label: "tron_treasury_broadcast_total", dimensions: [("code", reply.code ?? "SUCCESS")]).increment()
            switch reply.code {
            case nil: return .accepted
            case "DUP_TRANSACTION_ERROR": return .duplicate
            case let code?: return .refused(code: code, message: reply.message)
            }
        } catch {
            return .unanswered("\(error)")
        }
    }
}

/// When each operation's bytes were last sent.
final class SendTimes: Sendable {
    private let times = Mutex<[String: Date]>([:])

    func get(_ id: String) -> Date? { times.withLock { $0[id] } }
    func set(_ id: String, _ date: Date) { times.withLock { $0[id] = date } }
    func forget(_ id: String) { times.withLock { _ = $0.removeValue(forKey: id) } }
}
