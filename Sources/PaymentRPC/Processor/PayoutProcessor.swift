import Foundation
import Logging
import Metrics
import PaymentCore
import PaymentStore
import ServiceLifecycle
import Synchronization
import TronKit
import TronNode

// Exactly once: why no interleaving of crashes, restarts and wrong node answers can pay a payout twice.
// The decisions are pure functions in `PaymentCore/PayoutStep*.swift`; this file only gathers their inputs and
// performs their answers.
//
// 1. A payout has at most one LIVE transaction. `recordSigned` refuses a second one while one is live (checked
//    inside the same transaction that stores it, and a constraint of both schemas: the partial unique index
//    `payout_transactions_one_live` on payout_id WHERE outcome = 'LIVE'), and a LIVE transaction is retired only by
//    `retireTransaction`, which the processor calls only when `PayoutStep.decide` answers `.retire`: the
//    transaction provably can never be included. Solid blocks are irreversible and every later block has a later
//    timestamp; java-tron refuses to pack a transaction whose expiration is not after its block's parent time, so
//    once a solid block's time reaches the expiration no block can ever include it. "Provably" means all of:
//    a. "Not on chain" comes only from the *solidity* endpoints of the node whose solid block is read
//       (`/walletsolidity/gettransactioninfobyid` and `/walletsolidity/gettransactionbyid`), both a real `{}`;
//       an `{"Error": …}`, an unexpected shape or no answer is an error, never "absent" (TronNodeClient). The
//       full node's `/wallet/gettransactioninfobyid` only notices inclusion early; it never decides absence, and
//       its error blocks a retire. That node's solid block is at or past the expiration, and so is the local clock.
//    b. That solid block is not ahead of the local clock by more than `tron.clock_tolerance_ms`: a node with a
//       clock ahead (or a lying one) could otherwise call a live transaction expired.
//    c. Every cross-check node (`tron.cross_check_urls`) agrees: its solidity lookups say `{}` and its own solid
//       block (read *before* its lookups) is past the expiration and not ahead of the clock. Any error or
//       disagreement waits. Without cross-check nodes, one node that lies consistently within the tolerance is
//       trusted: production should configure them.
// 2. A transaction is durable (payout SIGNED, bytes and txID stored) before its bytes leave the process:
//    `recordSigned` commits (SQLite synchronous=FULL; PostgreSQL synchronous_commit, the server's default) before
//    `broadcast` is called. A crash before that commit leaves
//    nothing broadcast and the payout PENDING, so signing afresh after restart is safe.
// 3. After any crash, the processor's first act is `resolveInFlight`: every SIGNED or BROADCAST payout is looked up
//    by its txID before anything new is signed. Found in a block → followed to solid. Not found and not provably
//    dead → the *same stored bytes* are broadcast again (same txID; the node deduplicates, so this can never add
//    a second payment). Provably dead → retired, and only then may a new transaction be built (rule 1).
// 4. Every transaction of a payout pays the same recipient the same amount, and by 1 at most one of them can ever
//    be includable at any moment; the ones before it are provably never includable. So at most one lands.
// 5. Several processors on one ledger (PostgreSQL; SQLite is one process and one processor). Each instance
//    registers at start and gets an epoch from a sequence: its fencing token. It works only on payouts it holds a
//    lease on: `duePayouts` and `inFlightPayouts` claim rows with FOR UPDATE SKIP LOCKED (a row another instance
//    is writing is skipped, never waited for) whose lease is free, expired or its own, and stamp them with the
//    epoch and an expiry of `store.lease_seconds` by the database's clock (one clock for every instance). Every
//    processing write (`recordSigned`, `recordBroadcast`, `recordIncluded`, `retireTransaction`, `recordFinal`,
//    `recordDeferral`) updates the payout row only WHERE lease_epoch is its epoch and the lease has not run out,
//    under the row lock, and otherwise throws `LeaseLost` with nothing written. So an instance that was paused or
//    partitioned past its lease cannot record, retire or finish anything once another has claimed the payout.
//    Fresh bytes are sent only for payouts whose lease `renewLeases` just renewed; a send that a pause delays past
//    that point is the same stored bytes the new owner rebroadcasts (rule 3), or bytes the new owner proved dead
//    before retiring them (rule 1): neither can add a payment. Rules 1–4 need no more than that, because each is
//    decided inside one database transaction holding the payout's row lock; rule 1 is also a constraint.
//    The create side is shared too: an idempotency key is the primary key (scope, key) of idempotency_keys and a
//    KYC approval's digest is UNIQUE in kyc_approvals, so two instances creating with one key or one approval
//    cannot both commit (the loser retries and replays or is refused); acceptance limits are checked while holding
//    the row locks of the limit_usage rows of the day and hour (`SELECT … FOR UPDATE`), so concurrent instances
//    see each other's usage. The breaker's state is one row changed compare-and-set (`BreakerController`).
// 6. A payout is final only from a receipt in a solid block, read at the primary's solidity endpoint (a
//    cross-check node's receipt only blocks a retire: one node alone never finishes a payout): CONFIRMED needs `receipt.result == "SUCCESS"`; a failed receipt is FAILED with its
//    reason; a receipt without a result (an anomaly for a TRC-20 transfer) is neither: it waits, is logged as an
//    error and counted in `tron_payout_receipt_anomalies_total`.
// 7. A refused broadcast fails a payout only on the first send of freshly signed bytes (nothing was ever
//    accepted; a send is one HTTP attempt, so an unanswered one is "may have been accepted"). Bytes that were accepted (BROADCAST) or may have been (SIGNED: sent before a crash or unanswered)
//    stay live whatever a later broadcast answers (SIGERROR, CONTRACT_VALIDATE_ERROR, any refusal), because the
//    first broadcast may still land: such a payout is FAILED only by 6 or by 1 after `max_attempts` transactions.
// 8. Outflow: the processor never signs more than `limits.hourly_units` in one UTC hour or `limits.daily_units`
//    in one UTC day, by signing time (`PayoutStep.decideSigning` against the ledger's `signedOutflow`). The
//    check is made again inside `recordSigned`'s transaction, under a lock every signer of the ledger takes
//    (PostgreSQL: a transaction-scoped advisory lock; SQLite: its one writer), so several processors cannot
//    together pass a limit. Due payouts that do not fit wait for the next window.
// The tests attack this with kill -9 at random moments (tests/e2e/test_processor_crash.py), with lying and
// lagging nodes (Tests/PaymentRPCTests/PayoutProcessorTests.swift) and the step's tables
// (Tests/PaymentCoreTests/PayoutStepTests.swift).

/// Signs, broadcasts and follows payouts to solid blocks (a `Service` in payment-rpc).
public struct PayoutProcessor: Service {
    let ledger: any ProcessingLedger
    let node: any TronNodeAPI
    /// The primary node's name in logs and wait reasons.
    let nodeName: String
    let crossChecks: [CrossCheckNode]
    let key: TronPrivateKey
    let settings: ProcessorSettings
    let breaker: BreakerController
    let chainHead: ChainHead
    let clock: any WallClock
    let logger: Logger
    /// A value in [0, 1) for the retry jitter (injected so tests can fix it).
    let random: @Sendable () -> Double
    /// When each in-flight payout is next looked up (in memory: after a restart everything is looked up at once).
    let nextLookup = LookupSchedule()
    /// Strictly increasing raw_data timestamps: two payouts of the same amount to the same recipient signed in the
    /// same millisecond would otherwise be byte-identical transactions with one txID, and one would pay for both.
    let timestamps = TransactionTimestamps()
    /// What waits for the outflow window (rule 8), for metrics, logs and GetStats.
    public let outflow: OutflowWaiting
    /// What waits for TRX to pay fees, for metrics, logs and GetStats.
    public let fees: FeeWaiting
    /// Ends a pause between rounds early when a payout becomes due (nil: poll only).
    let wakeup: ProcessorWakeup?

    /// A processor that pays from `key`'s address. `node` is the primary node: its solidity endpoints alone
    /// decide absence and finality (rules 1a and 6); every `crossChecks` node must also agree before a retire (1c).
    /// `chainHead` and `outflow` are shared with PaymentService, which reports them; `clock` is rule 1's local
    /// clock and dates signatures for the outflow windows (`PaymentServer` passes the configured one).
    public init(
        ledger: any ProcessingLedger, node: any TronNodeAPI, nodeName: String = "primary",
        crossChecks: [CrossCheckNode] = [], key: TronPrivateKey, settings: ProcessorSettings,
        breaker: BreakerController, chainHead: ChainHead, clock: any WallClock = SystemWallClock(),
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        outflow: OutflowWaiting = OutflowWaiting(), fees: FeeWaiting = FeeWaiting(), wakeup: ProcessorWakeup? = nil,
        logger: Logger
    ) {
        self.outflow = outflow
        self.fees = fees
        self.wakeup = wakeup
        self.ledger = ledger
        self.node = node
        self.nodeName = nodeName
        self.crossChecks = crossChecks
        self.key = key
        self.settings = settings
        self.breaker = breaker
        self.chainHead = chainHead
        self.clock = clock
        self.random = random
        self.logger = logger
    }

    /// The service loop: first `resolveInFlight` until it succeeds (rule 3: nothing new is signed before every
    /// in-flight payout was looked up once), then a `round()` every `settings.pollInterval`. Node and ledger errors
    /// are logged and retried, never thrown; it returns on graceful shutdown or cancellation.
    public func run() async throws {
        logger.info(
            "payout processor starting",
            metadata: [
                "hot_wallet": "\(key.address.base58)", "usdt": "\(settings.usdtContract.base58)",
                "cross_check_nodes": "\(crossChecks.count)",
            ])
        do {
            try await cancelWhenGracefulShutdown {
                // Rule 3: nothing new is signed until every in-flight payout has been looked up.
                while true {
                    do {
                        try await resolveInFlight()
                        break
                    } catch let error as CancellationError {
                        throw error
                    } catch {
                        logger.warning(
                            "cannot resolve in-flight payouts yet; nothing new is signed",
                            metadata: ["error": "\(error)"])
                        try await Task.sleep(for: settings.pollInterval)
                    }
                }
                while true {
                    try await round()
                    if let wakeup {
                        try await wakeup.wait(upTo: settings.pollInterval)
                    } else {
                        try await Task.sleep(for: settings.pollInterval)
                    }
                }
            }
        } catch is CancellationError {
            logger.info("payout processor stopped")
        }
    }

    /// One round: take the shared breaker state, follow what is in flight, then sign what is due.
    public func round() async throws {
        await breaker.refresh()
        do {
            let (head, solid, unincluded) = try await resolveInFlight()
            try await signDue(head: head, solid: solid, unincluded: unincluded)
        } catch let error as CancellationError {
            throw error
        } catch {
            logger.warning("payout round interrupted", metadata: ["error": "\(error)"])
        }
    }

    /// Runs `body` for every element, `settings.concurrency` at a time; an element's error is logged and does not
    /// stop the others (its payout is looked at again next round).
    func forEach<Element: Sendable>(_ elements: [Element], _ body: @escaping @Sendable (Element) async throws -> Void)
        async throws
    {
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
}
