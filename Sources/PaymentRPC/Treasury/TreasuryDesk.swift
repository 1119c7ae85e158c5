import Foundation
import Logging
import Metrics
import PaymentCore
import PaymentStore
import TronKit
import TronNode

/// The hot wallet's treasury: reads its money and resources from the node, prices payouts, and signs, stores and
/// sends its Stake 2.0 operations. The key never leaves this process; only signed bytes do.
///
/// An operation is signed and stored with its idempotency key in one ledger write (durable before the bytes
/// leave), then sent once; `TreasuryFollower` sends the same stored bytes again until they land or provably never
/// can, and finishes the operation from its solid receipt. See `TreasuryOperation` for why that is exactly once.
public struct TreasuryDesk: Sendable {
    /// What the desk needs to know besides the node and the ledger.
    public struct Settings: Sendable {
        /// The network's name, for GetNetwork.
        public var network: String
        /// The USDT contract payouts use.
        public var usdtContract: TronAddress
        /// Transaction lifetime after the head block, ms.
        public var expirationMilliseconds: Int64 = 60_000
        /// The processor's fee settings: an estimate's fee_limit is the processor's.
        public var feeMarginPercent: Int64 = 20
        /// See `ProcessorSettings.minTransferEnergy`; also the energy a typical payout is counted at.
        public var minTransferEnergy: Int64 = 130_285
        /// See `ProcessorSettings.feeLimitSun`.
        public var feeLimitSun: Int64 = 50_000_000
        /// Whether this instance signs with the hot wallet (`processor.enabled`): without it the reads work and
        /// every operation is FAILED_PRECONDITION.
        public var signingEnabled = true
        /// A stake may not leave the hot wallet less TRX than this (`treasury.min_trx_sun`; 0: no floor).
        public var minTRXSun: Int64 = 0
        /// The rule-7 settings a first send is judged by.
        public var step = PayoutStep.Settings(
            maxAttempts: 1, clockToleranceMilliseconds: 10_000, lookupInterval: 2, rebroadcastInterval: 3)

        /// Settings for `usdtContract` on `network`, the rest at their defaults.
        public init(network: String, usdtContract: TronAddress) {
            self.network = network
            self.usdtContract = usdtContract
        }
    }

    let ledger: any ProcessingLedger
    let node: any TronTreasuryAPI
    let key: TronPrivateKey
    let settings: Settings
    /// The payouts' breaker: an open one stops treasury signing too, and a SIGERROR opens it.
    let breaker: BreakerController?
    let clock: any WallClock
    let logger: Logger
    /// Strictly increasing raw_data timestamps, so two equal operations asked for in one millisecond differ.
    let timestamps = TransactionTimestamps()

    /// A desk paying from `key`'s address through `node`.
    public init(
        ledger: any ProcessingLedger, node: any TronTreasuryAPI, key: TronPrivateKey, settings: Settings,
        breaker: BreakerController? = nil, clock: any WallClock = SystemWallClock(), logger: Logger
    ) {
        self.breaker = breaker
        self.ledger = ledger
        self.node = node
        self.key = key
        self.settings = settings
        self.clock = clock
        self.logger = logger
    }

    /// The hot wallet's address.
    public var address: TronAddress { key.address }

    // MARK: Operations

    /// Signs `action`, stores it under `idempotencyKey` (durable before anything is sent) and sends it once. A key
    /// already used for the same operation answers the stored one (`.replayed`) from the ledger alone, before any
    /// node call or signature; a key used for another is FAILED_PRECONDITION. Refused before anything is signed:
    /// a delegation to the hot wallet itself (INVALID_ARGUMENT), signing off (`processor.enabled` false) or a stake
    /// that would leave less than `treasury.min_trx_sun` (FAILED_PRECONDITION), an open breaker (UNAVAILABLE).
    public func submit(_ action: StakeOperation, idempotencyKey: String, caller: CallerIdentity) async throws
        -> CreateOutcome<TreasuryOperation>
    {
        try Identifier.validateIdempotencyKey(idempotencyKey)
        switch action {
        case .delegate(_, _, let receiver, _), .undelegate(_, _, let receiver):
            guard receiver != key.address else {
                throw PaymentError.invalid("receiver_address", "must not be the hot wallet itself")
            }
        default: break
        }
        let fingerprint = RequestFingerprint.treasury(action)
        if let (stored, storedFingerprint) = try await ledger.treasuryOperation(
            idempotencyScope: caller.requestedBy, idempotencyKey: idempotencyKey)
        {
            guard storedFingerprint == fingerprint else {
                throw PaymentError.treasuryKeyReused(idempotencyKey, existing: stored.id)
            }
            return .replayed(stored)
        }
        guard settings.signingEnabled else {
            throw PaymentError(
                .failedPrecondition,
                "this payment-rpc does not sign (processor.enabled is false): treasury operations need an instance "
                    + "that signs")
        }
        if let breaker {
            await breaker.refresh()
            guard breaker.current().state != .open else {
                throw PaymentError(
                    .unavailable, "the circuit breaker is open: nothing is signed with the hot wallet until it closes")
            }
        }
        if case .freeze(let amount, _) = action, settings.minTRXSun > 0 {
            let balance = try await nodeCall { try await node.trxBalance(of: key.address) }
            let (left, overflow) = balance.subtractingReportingOverflow(amount)
            guard !overflow, left >= settings.minTRXSun else {
                throw PaymentError(
                    .failedPrecondition,
                    "amount_sun: staking \(amount) sun would leave the hot wallet \(overflow ? "nothing" : "\(left) sun"), "
                        + "below treasury.min_trx_sun (\(settings.minTRXSun) sun) that pays the payouts' fees",
                    field: "amount_sun")
            }
        }
        let head = try await nodeCall { try await node.nowBlock() }
        let solid = try await nodeCall { try await node.solidBlock() }
        let (expiration, overflow) = head.timestamp.addingReportingOverflow(settings.expirationMilliseconds)
        guard !overflow else {
            throw PaymentError(.unavailable, "the node's head block timestamp \(head.timestamp) is out of range")
        }
        let now = clock.now()
        let raw = try TronTransaction.stake(
            action, owner: key.address, reference: try ReferenceBlock(blockID: solid.id),
            timestamp: timestamps.next(after: now.milliseconds), expiration: expiration)
        let signed = try TronTransaction.sign(rawBytes: try TronTransaction.serialize(raw), with: key)
        var generator = SystemRandomNumberGenerator()
        let operation = TreasuryOperation(
            id: Identifier.make(prefix: Identifier.treasuryPrefix, using: &generator), action: action,
            status: .signed, txid: signed.txidHex, requestedBy: caller.requestedBy, createdAt: now, updatedAt: now)
        let outcome = try await ledger.recordTreasuryOperation(
            NewTreasuryOperation(
                operation: operation,
                transaction: StoredTransaction(
                    txid: signed.txidHex, transactionBytes: signed.transactionBytes,
                    expirationMilliseconds: raw.expiration),
                idempotencyScope: caller.requestedBy, idempotencyKey: idempotencyKey, fingerprint: fingerprint))
        guard case .created(let stored) = outcome else {
            // A concurrent request with the key stored first; these bytes never leave the process.
            return outcome
        }
        let columns = StakeOperationColumns(action)
        logger.notice(
            "treasury operation signed and stored",
            metadata: [
                "operation_id": "\(stored.id)", "kind": "\(columns.kind)", "amount_sun": "\(columns.amountSun)",
                "txid": "\(stored.txid)", "requested_by": "\(stored.requestedBy)",
            ])
        try await firstSend(signed, of: stored)
        return .created(try await ledger.treasuryOperation(id: stored.id) ?? stored)
    }

    /// The first send of freshly signed, stored bytes, judged by rule 7 (`PayoutStep.decideBroadcast` with
    /// `.freshBytes`): accepted → BROADCAST; refused for good (SIGERROR, CONTRACT_VALIDATE_ERROR …) → FAILED with
    /// the node's words, only while still SIGNED, and a SIGERROR opens the breaker; anything else (unanswered,
    /// SERVER_BUSY, TAPOS …) stays SIGNED for the follower, which sends the same bytes again until they land or
    /// provably never can.
    func firstSend(_ signed: SignedTronTransaction, of operation: TreasuryOperation) async throws {
        let answer = await TreasuryFollower.send(signed, node: node)
        let metadata: Logger.Metadata = ["operation_id": "\(operation.id)", "txid": "\(operation.txid)"]
        switch PayoutStep.decideBroadcast(answer, history: .freshBytes, now: clock.now(), settings: settings.step) {
        case .recordBroadcast:
            try await ledger.recordTreasuryBroadcast(id: operation.id, at: clock.now())
        case .fail(let reason, let effect):
            if case .trip(let why) = effect, let breaker {
                await breaker.tripAutomatically(reason: why)
                logger.critical(
                    "SIGERROR from the node for a treasury operation; circuit breaker opened", metadata: metadata)
            }
            try await ledger.recordTreasuryRefusal(
                id: operation.id, reason: "the node refused the transaction: \(reason)", at: clock.now())
            Counter(label: "tron_treasury_operations_total", dimensions: [("outcome", "refused")]).increment()
            logger.warning(
                "treasury operation refused by the node", metadata: metadata.merging(["reason": "\(reason)"]) { $1 })
        case .retryLater(_, let note, _):
            logger.notice(
                "treasury operation's first send not taken; the follower sends the same bytes again",
                metadata: metadata.merging(["note": "\(note)"]) { $1 })
        }
    }

    /// The stored operation `id`, or NOT_FOUND.
    public func operation(id: String) async throws -> TreasuryOperation {
        try Identifier.validateTreasuryOperationID(id)
        guard let operation = try await ledger.treasuryOperation(id: id) else {
            throw PaymentError(.notFound, "treasury operation \(id) does not exist")
        }
        return operation
    }

    /// Runs a node call; its failure is UNAVAILABLE naming the node's answer (never a key or a URL with secrets:
    /// TronNodeError carries the path and the node's message only).
    func nodeCall<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as CancellationError {
            throw error
        } catch {
            throw PaymentError(.unavailable, "the TRON node did not answer usably: \(error)")
        }
    }
}
