import Foundation
import Logging
import Metrics
import PaymentCore
import PaymentStore
import ServiceLifecycle
import Synchronization
import TronKit
import TronNode

// Exactly once: why no interleaving of crashes and restarts can pay a payout twice.
//
// 1. A payout has at most one LIVE transaction. `recordSigned` refuses a second one while one is live (checked
//    inside the same SQLite transaction that stores it), and a LIVE transaction is retired only by
//    `retireTransaction`, which the processor calls only when the transaction provably can never be included:
//    no block holds it (`gettransactioninfobyid` and `gettransactionbyid` both empty) and the node's latest
//    *solid* block is at or past its expiration. Solid blocks are irreversible and every later block has a
//    later timestamp; java-tron refuses to pack a transaction whose expiration is not after its block's parent
//    time, so once a solid block's time reaches the expiration no block can ever include it.
// 2. A transaction is durable (payout SIGNED, bytes and txID stored) before its bytes leave the process:
//    `recordSigned` commits with synchronous=FULL before `broadcast` is called. A crash before that commit leaves
//    nothing broadcast and the payout PENDING, so signing afresh after restart is safe.
// 3. After any crash, the processor's first act is `resolveInFlight`: every SIGNED or BROADCAST payout is looked up
//    by its txID before anything new is signed. Found in a block → followed to solid. Not found and not provably
//    dead → the *same stored bytes* are broadcast again (same txID; the node deduplicates, so this can never add
//    a second payment). Provably dead → retired, and only then may a new transaction be built (rule 1).
// 4. Every transaction of a payout pays the same recipient the same amount, and by 1 at most one of them can ever
//    be includable at any moment; the ones before it are provably never includable. So at most one lands.
// 5. One processor per ledger (SQLite is one process). A shared PostgreSQL ledger would claim payouts with
//    FOR UPDATE SKIP LOCKED; that store is not built yet.
// The tests attack this with kill -9 at random moments (tests/e2e/test_processor_crash.py).

/// Signs, broadcasts and follows payouts to solid blocks (a `Service` in payment-rpc).
public struct PayoutProcessor: Service {
    let ledger: any ProcessingLedger
    let node: any TronNodeAPI
    let key: TronPrivateKey
    let settings: ProcessorSettings
    let breaker: BreakerController
    let chainHead: ChainHead
    let clock: any WallClock
    let logger: Logger
    /// When each in-flight payout is next looked up (in memory: after a restart everything is looked up at once).
    let nextLookup = LookupSchedule()
    /// Strictly increasing raw_data timestamps: two payouts of the same amount to the same recipient signed in the
    /// same millisecond would otherwise be byte-identical transactions with one txID, and one would pay for both.
    let timestamps = TransactionTimestamps()

    public init(
        ledger: any ProcessingLedger, node: any TronNodeAPI, key: TronPrivateKey, settings: ProcessorSettings,
        breaker: BreakerController, chainHead: ChainHead, clock: any WallClock = SystemWallClock(), logger: Logger
    ) {
        self.ledger = ledger
        self.node = node
        self.key = key
        self.settings = settings
        self.breaker = breaker
        self.chainHead = chainHead
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        logger.info("payout processor starting", metadata: ["hot_wallet": "\(key.address.base58)", "usdt": "\(settings.usdtContract.base58)"])
        do {
            try await cancelWhenGracefulShutdown {
                // Rule 3: nothing new is signed until every in-flight payout has been looked up.
                while true {
                    do {
                        try await resolveInFlight()
                        break
                    } catch {
                        logger.warning("cannot resolve in-flight payouts yet; nothing new is signed", metadata: ["error": "\(error)"])
                        try await Task.sleep(for: settings.pollInterval)
                    }
                }
                while true {
                    try await round()
                    try await Task.sleep(for: settings.pollInterval)
                }
            }
        } catch is CancellationError {
            logger.info("payout processor stopped")
        }
    }

    /// One round: follow what is in flight, then sign what is due.
    public func round() async throws {
        do {
            let (head, solid) = try await resolveInFlight()
            try await signDue(head: head, solid: solid)
        } catch let error as CancellationError {
            throw error
        } catch {
            logger.warning("payout round interrupted", metadata: ["error": "\(error)"])
        }
    }

    /// Looks up every SIGNED or BROADCAST payout by txID and moves it on (rules 1 and 3). Returns the head and
    /// solid blocks it used, for the rest of the round.
    @discardableResult
    public func resolveInFlight() async throws -> (head: BlockSummary, solid: BlockSummary) {
        let head = try await node.nowBlock()
        let solid = try await node.solidBlock()
        chainHead.update(head: head, solid: solid)
        try await forEach(try await ledger.inFlightPayouts()) { item in
            try await resolve(item, solid: solid)
        }
        return (head, solid)
    }

    /// Runs `body` for every element, `settings.concurrency` at a time; an element's error is logged and does not
    /// stop the others (its payout is looked at again next round).
    func forEach<Element: Sendable>(_ elements: [Element], _ body: @escaping @Sendable (Element) async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var running = 0
            for element in elements {
                if running >= settings.concurrency {
                    try await group.next()
                    running -= 1
                }
                group.addTask {
                    do {
                        try await body(element)
                    } catch let error as CancellationError {
                        throw error
                    } catch {
                        logger.warning("payout step failed; retried next round", metadata: ["error": "\(error)"])
                    }
                }
                running += 1
            }
            try await group.waitForAll()
        }
    }

    func resolve(_ item: InFlightPayout, solid: BlockSummary) async throws {
        let payout = item.payout
        let txid = item.transaction.txid
        let now = clock.now()
        guard nextLookup.isDue(payout.id, at: now) else { return }
        nextLookup.schedule(payout.id, at: now.addingTimeInterval(settings.lookupInterval.seconds))
        if let receipt = try await node.transactionInfo(txid: txid, solid: false) {
            if receipt.blockNumber <= solid.number {
                try await finish(payout, txid: txid, receipt: receipt)
                nextLookup.forget(payout.id)
            } else if payout.chain?.blockNumber != receipt.blockNumber || payout.status == .signed {
                try await ledger.recordIncluded(
                    payoutID: payout.id, txid: txid, blockNumber: receipt.blockNumber,
                    blockTime: Date(milliseconds: receipt.blockTimestamp), at: now)
            }
            return
        }
        if solid.timestamp >= item.transaction.expirationMilliseconds, try await !node.transactionExists(txid: txid) {
            try await retire(item, now: now)
            nextLookup.forget(payout.id)
            return
        }
        guard now >= item.nextAttempt else { return }
        // Not in a block yet and still includable: send the same bytes again (dropped broadcasts, restarts).
        let signed = try SignedTronTransaction(transactionBytes: item.transaction.transactionBytes)
        try await handleBroadcast(payout, signed: signed, reply: try await node.broadcast(signed), now: now)
    }

    /// Signs and broadcasts due payouts while the breaker admits attempts, against the round's head (expiration)
    /// and solid block (TaPoS reference).
    func signDue(head: BlockSummary, solid: BlockSummary) async throws {
        let now = clock.now()
        let due = try await ledger.duePayouts(at: now, limit: settings.batchSize)
        guard !due.isEmpty else { return }
        let reference = try ReferenceBlock(blockID: solid.id)
        var stored: [(Payout, SignedTronTransaction)] = []
        for payout in due {
            guard breaker.admitAttempt() else {
                logger.notice("circuit breaker holds due payouts", metadata: ["waiting": "\(due.count)"])
                break
            }
            let to = try TronAddress(base58: payout.recipient)
            let raw = try TronTransaction.trc20Transfer(
                owner: key.address, to: to, amount: payout.amountUnits, contract: settings.usdtContract,
                reference: reference, timestamp: timestamps.next(after: clock.now().milliseconds),
                expiration: head.timestamp + settings.expirationMilliseconds, feeLimit: settings.feeLimitSun)
            let signed = try TronTransaction.sign(rawBytes: try TronTransaction.serialize(raw), with: key)
            do {
                try await ledger.recordSigned(
                    payoutID: payout.id,
                    transaction: StoredTransaction(
                        txid: signed.txidHex, transactionBytes: signed.transactionBytes, expirationMilliseconds: raw.expiration),
                    at: clock.now())
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
            stored.append((payout, signed))
        }
        // Every transaction above is durable; only now do their bytes leave the process.
        try await forEach(stored) { payout, signed in
            let reply: BroadcastReply
            do {
                reply = try await node.broadcast(signed)
            } catch {
                // Stored and SIGNED: the next round looks it up and broadcasts the same bytes again.
                logger.warning("broadcast failed; will retry the same bytes", metadata: ["payout_id": "\(payout.id)", "error": "\(error)"])
                return
            }
            try await handleBroadcast(payout, signed: signed, reply: reply, now: clock.now())
        }
    }

    /// Acts on a broadcast answer (TRON.md §4.3 codes).
    func handleBroadcast(_ payout: Payout, signed: SignedTronTransaction, reply: BroadcastReply, now: Date) async throws {
        let txid = signed.txidHex
        let retryAt = now.addingTimeInterval(settings.rebroadcastInterval.seconds)
        Counter(label: "tron_payout_broadcast_total", dimensions: [("code", reply.code ?? "SUCCESS")]).increment()
        switch reply.code {
        case nil, "DUP_TRANSACTION_ERROR":
            if payout.status != .broadcast { try await ledger.recordBroadcast(payoutID: payout.id, txid: txid, at: now) }
        case "SIGERROR":
            // Our signature was refused: something is wrong with the key or the signer. Stop everything.
            try await ledger.recordFinal(
                payoutID: payout.id, txid: txid, outcome: FinalOutcome(confirmed: false, reason: "SIGERROR: \(reply.message)"), at: now)
            await breaker.tripAutomatically(reason: "the node refused a payout signature (SIGERROR)")
            logger.critical("SIGERROR from the node; circuit breaker opened", metadata: ["payout_id": "\(payout.id)"])
        case "BANDWITH_ERROR":
            Counter(label: "tron_payout_bandwidth_errors_total").increment()
            logger.error("hot wallet lacks TRX for bandwidth; payout waits", metadata: ["payout_id": "\(payout.id)"])
            try await ledger.recordDeferral(payoutID: payout.id, error: "BANDWITH_ERROR: \(reply.message)", retryAt: retryAt, at: now)
        case "CONTRACT_VALIDATE_ERROR", "CONTRACT_EXE_ERROR", "TOO_BIG_TRANSACTION_ERROR":
            // Refused for good and in no block: the node will never include these bytes, but they stay live until
            // they expire; the failure is recorded now so no new transaction is built for this payout.
            try await ledger.recordFinal(
                payoutID: payout.id, txid: txid,
                outcome: FinalOutcome(confirmed: false, reason: "\(reply.code!): \(reply.message)"), at: now)
            await breaker.record(success: false)
        default:
            // TAPOS_ERROR / TRANSACTION_EXPIRATION_ERROR: these bytes will never land; they are retired once
            // provably dead. SERVER_BUSY and the rest: try the same bytes again later.
            try await ledger.recordDeferral(payoutID: payout.id, error: "\(reply.code!): \(reply.message)", retryAt: retryAt, at: now)
        }
    }

    func finish(_ payout: Payout, txid: String, receipt: TransactionReceipt) async throws {
        let outcome = FinalOutcome(
            confirmed: receipt.succeeded,
            reason: receipt.succeeded
                ? nil
                : "\(receipt.contractResult ?? "FAILED")\(receipt.message.map { ": \($0)" } ?? ""); the fee of \(receipt.fee) sun was burned",
            blockNumber: receipt.blockNumber, blockTime: Date(milliseconds: receipt.blockTimestamp), feeSun: receipt.fee,
            energyUsed: receipt.energyUsed, bandwidthUsed: receipt.bandwidthUsed)
        try await ledger.recordFinal(payoutID: payout.id, txid: txid, outcome: outcome, at: clock.now())
        await breaker.record(success: receipt.succeeded)
        Counter(label: receipt.succeeded ? "tron_payouts_confirmed_total" : "tron_payouts_failed_total").increment()
        logger.info(
            receipt.succeeded ? "payout confirmed" : "payout failed on chain",
            metadata: ["payout_id": "\(payout.id)", "txid": "\(txid)", "block": "\(receipt.blockNumber)", "fee_sun": "\(receipt.fee)"])
    }

    func retire(_ item: InFlightPayout, now: Date) async throws {
        let attempts = item.attempts + 1
        let failed = attempts >= settings.maxAttempts
        let backoff = min(60.0, 2.0 * pow(2.0, Double(attempts - 1))) * Double.random(in: 0.5...1.0)
        try await ledger.retireTransaction(
            payoutID: item.payout.id, txid: item.transaction.txid,
            failReason: failed ? "the transaction expired unconfirmed \(attempts) times" : nil,
            retryAt: now.addingTimeInterval(backoff), error: "transaction \(item.transaction.txid) expired unconfirmed", at: now)
        if failed { await breaker.record(success: false) }
        logger.notice(
            failed ? "payout failed: transactions kept expiring" : "transaction expired unconfirmed; a new one will be built",
            metadata: ["payout_id": "\(item.payout.id)", "txid": "\(item.transaction.txid)", "attempts": "\(attempts)"])
    }
}

/// Hands out strictly increasing millisecond timestamps for raw_data.timestamp (which the node does not validate;
/// it only makes a transaction, and so its txID, unique).
final class TransactionTimestamps: Sendable {
    private let last = Mutex<Int64>(0)

    func next(after now: Int64) -> Int64 {
        last.withLock { last in
            last = max(now, last + 1)
            return last
        }
    }
}

/// In-memory lookup times of in-flight payouts, so a round does not ask the node about every payout every time.
final class LookupSchedule: Sendable {
    private let next = Mutex<[String: Date]>([:])

    func isDue(_ payoutID: String, at now: Date) -> Bool { next.withLock { ($0[payoutID] ?? .distantPast) <= now } }
    func schedule(_ payoutID: String, at date: Date) { next.withLock { $0[payoutID] = date } }
    func forget(_ payoutID: String) { next.withLock { $0[payoutID] = nil } }
}


