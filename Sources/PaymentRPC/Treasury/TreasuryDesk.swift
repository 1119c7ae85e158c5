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
    let clock: any WallClock
    let logger: Logger
    /// Strictly increasing raw_data timestamps, so two equal operations asked for in one millisecond differ.
    let timestamps = TransactionTimestamps()

    /// A desk paying from `key`'s address through `node`.
    public init(
        ledger: any ProcessingLedger, node: any TronTreasuryAPI, key: TronPrivateKey, settings: Settings,
        clock: any WallClock = SystemWallClock(), logger: Logger
    ) {
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
    /// already used for the same operation answers the stored one (`.replayed`) and sends nothing; a key used for
    /// another is FAILED_PRECONDITION. A delegation to the hot wallet itself is INVALID_ARGUMENT.
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
                idempotencyScope: caller.requestedBy, idempotencyKey: idempotencyKey,
                fingerprint: RequestFingerprint.treasury(action)))
        guard case .created(let stored) = outcome else {
            // The key's operation is stored already; these bytes never leave the process.
            return outcome
        }
        logger.notice(
            "treasury operation signed and stored",
            metadata: [
                "operation_id": "\(stored.id)", "kind": "\(StakeOperationColumns(action).kind)",
                "amount_sun": "\(StakeOperationColumns(action).amountSun)", "txid": "\(stored.txid)",
                "requested_by": "\(stored.requestedBy)",
            ])
        try await TreasuryFollower.firstSend(
            signed, of: stored, ledger: ledger, node: node, clock: clock, logger: logger)
        return .created(try await ledger.treasuryOperation(id: stored.id) ?? stored)
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
