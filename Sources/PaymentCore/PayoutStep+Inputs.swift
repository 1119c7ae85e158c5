import Foundation

/// The payout processor's decisions as pure functions of plain values (no I/O, no clock, no randomness of its
/// own): the processor gathers the inputs from the ledger and the nodes, asks a step what to do, and performs the
/// answer. The numbered rules cited here are the exactly-once argument at the top of `PayoutProcessor.swift`.
public enum PayoutStep {}

extension PayoutStep {
    /// A transaction's receipt as a node reports it (`gettransactioninfobyid`).
    public struct Receipt: Sendable, Equatable {
        /// The block number the node reports the transaction in.
        public var blockNumber: Int64
        /// Milliseconds since the epoch.
        public var blockTimeMilliseconds: Int64
        /// Sun burned in all.
        public var feeSun: Int64
        /// Energy the transaction consumed.
        public var energyUsed: Int64
        /// Bandwidth (bytes) the transaction consumed.
        public var bandwidthUsed: Int64
        /// `receipt.result` (SUCCESS, REVERT, OUT_OF_ENERGY …); nil when the node gave none.
        public var contractResult: String?
        /// The top-level `"result": "FAILED"`.
        public var failed: Bool
        /// `resMessage`, decoded.
        public var message: String?

        /// A receipt as the node client parsed it; the figures default to 0 when the node leaves them out.
        public init(
            blockNumber: Int64, blockTimeMilliseconds: Int64, feeSun: Int64 = 0, energyUsed: Int64 = 0,
            bandwidthUsed: Int64 = 0, contractResult: String?, failed: Bool = false, message: String? = nil
        ) {
            self.blockNumber = blockNumber
            self.blockTimeMilliseconds = blockTimeMilliseconds
            self.feeSun = feeSun
            self.energyUsed = energyUsed
            self.bandwidthUsed = bandwidthUsed
            self.contractResult = contractResult
            self.failed = failed
            self.message = message
        }
    }

    /// One node's answer to "is this transaction in a block?".
    public enum Lookup: Sendable, Equatable {
        /// A real `{}`: the node holds it in no block (on a solidity endpoint: in no solid block).
        case absent
        /// In a block, with its receipt.
        case included(Receipt)
        /// No usable answer: unreachable, `{"Error": …}`, an unexpected shape, or two endpoints disagreeing.
        /// Never read as absent (rule 1).
        case failed(String)
    }

    /// A solid block's number and time, as one node reports it.
    public struct SolidBlock: Sendable, Equatable {
        /// The block's height (number).
        public var number: Int64
        /// Milliseconds since the epoch.
        public var timeMilliseconds: Int64

        /// A solid block as read from a node's `/walletsolidity/getnowblock`.
        public init(number: Int64, timeMilliseconds: Int64) {
            self.number = number
            self.timeMilliseconds = timeMilliseconds
        }
    }

    /// The in-flight transaction of a payout, as the ledger holds it.
    public struct InFlight: Sendable, Equatable {
        /// The transaction's id: 64 lowercase hex characters (SHA-256 of raw_data).
        public var txid: String
        /// raw_data.expiration, milliseconds since the epoch.
        public var expirationMilliseconds: Int64
        /// Transactions of this payout already retired.
        public var attempts: Int
        /// SIGNED (no broadcast known to be accepted: maybe accepted after a crash) or BROADCAST (accepted).
        public var status: PayoutStatus
        /// The block the ledger has recorded the transaction in, if any.
        public var recordedBlockNumber: Int64?
        /// Not before this may the same bytes be sent again (a deferral after a refused or failed broadcast).
        public var nextBroadcast: Date
        /// A system contract (a Stake 2.0 operation): its receipt has no contract result, and a solid receipt
        /// without the top-level FAILED confirms it. A TRC-20 transfer needs `receipt.result == SUCCESS`.
        public var systemContract = false

        /// The ledger's view of one in-flight transaction; `nextBroadcast` defaults to "any time".
        public init(
            txid: String, expirationMilliseconds: Int64, attempts: Int, status: PayoutStatus,
            recordedBlockNumber: Int64? = nil, nextBroadcast: Date = .distantPast
        ) {
            self.txid = txid
            self.expirationMilliseconds = expirationMilliseconds
            self.attempts = attempts
            self.status = status
            self.recordedBlockNumber = recordedBlockNumber
            self.nextBroadcast = nextBroadcast
        }
    }

    /// What the primary node said this round: its solid block (the one rule 1 reads) and its two lookups.
    public struct Primary: Sendable, Equatable {
        /// The primary's latest solid block, read once per round before its lookups.
        public var solid: SolidBlock
        /// `/walletsolidity/gettransactioninfobyid` of the node whose solid block is `solid`: the only lookup that
        /// may say "not on chain" (rule 1) or finish a payout (rule 6).
        public var solidityLookup: Lookup
        /// `/wallet/gettransactioninfobyid`: notices inclusion before it is solid; never decides absence.
        public var fullNodeLookup: Lookup

        /// The primary's answers, gathered by the processor for one in-flight transaction.
        public init(solid: SolidBlock, solidityLookup: Lookup, fullNodeLookup: Lookup) {
            self.solid = solid
            self.solidityLookup = solidityLookup
            self.fullNodeLookup = fullNodeLookup
        }
    }

    /// One cross-check node's view, asked only when the primary says a transaction is provably dead.
    public struct CrossCheck: Sendable, Equatable {
        /// The node's base URL (for logs; never a metric label).
        public var node: String
        /// Its own solid block, or why there is none.
        public var solid: Result<SolidBlock, Failure>
        /// Its solidity lookup (`/walletsolidity/gettransactioninfobyid` and `gettransactionbyid`).
        public var lookup: Lookup

        /// One cross-check node's answers, gathered by the processor.
        public init(node: String, solid: Result<SolidBlock, Failure>, lookup: Lookup) {
            self.node = node
            self.solid = solid
            self.lookup = lookup
        }
    }

    /// Why a value could not be had.
    public struct Failure: Error, Sendable, Equatable {
        /// What went wrong, for logs and wait reasons (no secrets).
        public var message: String
        /// A failure saying what went wrong.
        public init(_ message: String) { self.message = message }
    }

    /// What the processor gathers once the primary says a transaction is provably dead (`.verifyAbsence`).
    public struct AbsenceEvidence: Sendable, Equatable {
        /// The primary's `/walletsolidity/gettransactionbyid` (a second index of the same node).
        public var primaryTransactionByID: Lookup
        /// Every configured cross-check node, in configuration order.
        public var crossChecks: [CrossCheck]

        /// The evidence as the processor gathered it.
        public init(primaryTransactionByID: Lookup, crossChecks: [CrossCheck]) {
            self.primaryTransactionByID = primaryTransactionByID
            self.crossChecks = crossChecks
        }
    }

    /// The settings the steps read.
    public struct Settings: Sendable, Equatable {
        /// Transactions per payout before it fails (each one provably dead).
        public var maxAttempts: Int
        /// How far a node's solid block may be ahead of the local clock and still retire anything.
        public var clockToleranceMilliseconds: Int64
        /// Look up an in-flight transaction again after this long.
        public var lookupInterval: TimeInterval
        /// Send the same bytes again at most this often after a refusal or a failed broadcast.
        public var rebroadcastInterval: TimeInterval

        /// Settings with the server's defaults; payment-rpc fills `maxAttempts` and `clockToleranceMilliseconds` from
        /// `processor.max_attempts` and `tron.clock_tolerance_ms`.
        public init(
            maxAttempts: Int = 3, clockToleranceMilliseconds: Int64 = 10_000, lookupInterval: TimeInterval = 2,
            rebroadcastInterval: TimeInterval = 3
        ) {
            self.maxAttempts = maxAttempts
            self.clockToleranceMilliseconds = clockToleranceMilliseconds
            self.lookupInterval = lookupInterval
            self.rebroadcastInterval = rebroadcastInterval
        }
    }
}
