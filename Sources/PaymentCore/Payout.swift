import Foundation

/// A payout as the ledger holds it.
public struct Payout: Sendable, Equatable {
    public var id: String
    public var idempotencyKey: String
    /// Base58 TRON address.
    public var recipient: String
    public var amountUnits: Int64
    public var reason: String
    public var router: Router
    public var priority: Priority
    public var status: PayoutStatus
    public var batchID: String?
    public var requestedBy: String
    public var nodeID: String?
    public var kycHash: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var scheduledFor: Date
    public var txid: String?
    public var failureReason: String?
    /// Where the transaction landed and what it cost, once known.
    public var chain: ChainRecord?

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
        public var blockNumber: Int64
        public var blockTime: Date
        /// Sun burned (energy and bandwidth).
        public var feeSun: Int64?
        public var energyUsed: Int64?
        public var bandwidthUsed: Int64?

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
    public var id: String
    public var idempotencyKey: String
    public var batchType: Priority
    public var itemCount: Int
    public var totalUnits: Int64
    public var scheduledFor: Date
    public var createdAt: Date
    public var requestedBy: String

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
