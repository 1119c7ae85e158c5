import Foundation

/// A payout as the ledger holds it.
public struct Payout: Sendable, Equatable {
    /// The payout's id: "po_" + 32 lowercase hex characters (`Identifier.make`); unique in the ledger.
    public var id: String
    /// The idempotency key it was created with (1-255 printable ASCII, scoped to `requestedBy`); a batch's payouts
    /// carry "<batch key>/<item index>".
    public var idempotencyKey: String
    /// The recipient's base58check TRON address ("T…", 34 characters), as validated by `PayoutPolicy`.
    public var recipient: String
    /// Amount in USDT base units (6 decimals), > 0 and at most the router's per-payout maximum.
    public var amountUnits: Int64
    /// Why the payout is made: 1-256 characters, no control characters, as the caller sent it.
    public var reason: String
    /// The router it was accepted on (chosen by `Router.select` when the request named none).
    public var router: Router
    /// How soon it becomes due (IMMEDIATE, HOURLY, DAILY, WEEKLY); decided `scheduledFor`. A batch's payouts carry the
    /// batch type.
    public var priority: Priority
    /// The stored status; read `effectiveStatus(at:)` to show it (a due SCHEDULED payout reads PENDING).
    public var status: PayoutStatus
    /// The batch it belongs to ("bt_" + 32 hex), nil for a single payout.
    public var batchID: String?
    /// Who asked for it (`CallerIdentity.requestedBy`), also the scope of its idempotency key.
    public var requestedBy: String
    /// The node operator's node id for KYC payouts; nil otherwise.
    public var nodeID: String?
    /// The KYC record's SHA-256, lowercase hex, for KYC payouts; nil otherwise.
    public var kycHash: String?
    /// When it was accepted, by the server's clock truncated to milliseconds; decides its limit windows.
    public var createdAt: Date
    /// When the ledger last changed it (status, transaction, block), to the millisecond.
    public var updatedAt: Date
    /// When it becomes (or became) due: `priority.scheduledFor(acceptedAt: createdAt)`.
    public var scheduledFor: Date
    /// The id (64 lowercase hex characters) of its current or final transaction; nil before signing and after a
    /// retire sends it back to PENDING.
    public var txid: String?
    /// Why it failed or was cancelled ("cancelled: <reason>"); nil otherwise.
    public var failureReason: String?
    /// Where the transaction landed and what it cost, once known.
    public var chain: ChainRecord?

    /// A payout as built by the application before insert, or read back from the ledger; `chain` starts nil.
    public init(
        id: String, idempotencyKey: String, recipient: String, amountUnits: Int64, reason: String, router: Router,
        priority: Priority, status: PayoutStatus, batchID: String? = nil, requestedBy: String, nodeID: String? = nil,
        kycHash: String? = nil, createdAt: Date, updatedAt: Date, scheduledFor: Date, txid: String? = nil,
        failureReason: String? = nil
    ) {
        self.id = id
        self.idempotencyKey = idempotencyKey
        self.recipient = recipient
        self.amountUnits = amountUnits
        self.reason = reason
        self.router = router
        self.priority = priority
        self.status = status
        self.batchID = batchID
        self.requestedBy = requestedBy
        self.nodeID = nodeID
        self.kycHash = kycHash
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.scheduledFor = scheduledFor
        self.txid = txid
        self.failureReason = failureReason
    }

    /// The on-chain facts of a payout's transaction.
    public struct ChainRecord: Sendable, Equatable {
        /// Number of the block that holds the transaction.
        public var blockNumber: Int64
        /// That block's timestamp (the ledger stores milliseconds).
        public var blockTime: Date
        /// Sun burned for energy and bandwidth (1 TRX = 1,000,000 sun); nil before the final receipt.
        public var feeSun: Int64?
        /// Energy the transaction consumed, when the receipt said.
        public var energyUsed: Int64?
        /// Bandwidth (bytes) the transaction consumed, when the receipt said.
        public var bandwidthUsed: Int64?

        /// The facts as the ledger stores them; the receipt figures stay nil until the payout is final.
        public init(
            blockNumber: Int64, blockTime: Date, feeSun: Int64? = nil, energyUsed: Int64? = nil,
            bandwidthUsed: Int64? = nil
        ) {
            self.blockNumber = blockNumber
            self.blockTime = blockTime
            self.feeSun = feeSun
            self.energyUsed = energyUsed
            self.bandwidthUsed = bandwidthUsed
        }
    }

    /// The status as a reader should see it at `now`: a SCHEDULED payout whose time has come reads PENDING.
    public func effectiveStatus(at now: Date) -> PayoutStatus {
        status == .scheduled && scheduledFor <= now ? .pending : status
    }
}

/// A batch as the ledger holds it.
public struct Batch: Sendable, Equatable {
    /// The batch's id: "bt_" + 32 lowercase hex characters.
    public var id: String
    /// The key the batch was created with, unique per `requestedBy` among batches and single payouts.
    public var idempotencyKey: String
    /// The priority every payout of the batch got; decided `scheduledFor`.
    public var batchType: Priority
    /// How many payouts it holds: 1 to the server's batch maximum (1,000).
    public var itemCount: Int
    /// The sum of its payouts' amounts, in USDT base units; > 0, checked against overflow when built.
    public var totalUnits: Int64
    /// When its payouts become due.
    public var scheduledFor: Date
    /// When it was accepted (milliseconds precision), which decides the limit windows it counts in.
    public var createdAt: Date
    /// Who asked for it (`CallerIdentity.requestedBy`), also the scope of its idempotency key.
    public var requestedBy: String

    /// A batch as built before insert or read back from the ledger.
    public init(
        id: String, idempotencyKey: String, batchType: Priority, itemCount: Int, totalUnits: Int64,
        scheduledFor: Date, createdAt: Date, requestedBy: String
    ) {
        self.id = id
        self.idempotencyKey = idempotencyKey
        self.batchType = batchType
        self.itemCount = itemCount
        self.totalUnits = totalUnits
        self.scheduledFor = scheduledFor
        self.createdAt = createdAt
        self.requestedBy = requestedBy
    }
}
