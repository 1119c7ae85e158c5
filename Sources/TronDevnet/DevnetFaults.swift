import Synchronization

/// Fault injection for tests, one profile per HTTP listener: shares are 0...1. `POST /admin/faults` replaces the
/// listener's whole profile (keys left out take their defaults).
public struct DevnetFaults: Sendable, Codable, Equatable {
    /// How transaction lookups (`gettransactioninfobyid`, `gettransactionbyid`, both prefixes) answer.
    public enum LookupMode: String, Sendable, Codable, CaseIterable {
        /// What the chain holds.
        case honest
        /// `{}` until the head is `lagBlocks` past the block that included the transaction (a backend behind).
        case lagging
        /// Always `{}`, whatever the chain holds.
        case lying
    }

    /// Share of /wallet* requests answered 503.
    public var httpErrorRate: Double = 0
    /// Share of /wallet* requests that hang for `timeoutSeconds` before answering.
    public var timeoutRate: Double = 0
    /// How long a hanging request (`timeoutRate`) waits before it answers, in seconds.
    public var timeoutSeconds: Double = 15
    /// Share of accepted broadcasts that are answered with success but never included.
    public var dropBroadcastRate: Double = 0
    /// Blocks an accepted transaction waits before it may be included.
    public var inclusionDelayBlocks: Int64 = 0
    /// Recipients (base58) whose USDT transfers revert. Execution is chain-wide: only the main listener's list counts.
    public var revertRecipients: [String] = []
    /// How transaction lookups answer.
    public var lookupMode: LookupMode = .honest
    /// With `lookupMode` lagging: blocks after inclusion during which lookups answer `{}`.
    public var lagBlocks: Int64 = 0
    /// With `lookupMode` lagging: whether the `/walletsolidity/` lookups lag too (a stale backend behind a load
    /// balancer) or answer consistently with the listener's solid block (only `/wallet/` lookups lag).
    public var lagSolidity = true
    /// Added to the timestamp of every block header this listener serves (getnowblock, getblockbynum, both
    /// prefixes); the chain itself and broadcasts are unaffected. A lying node claims a clock ahead of real time.
    public var clockOffsetMilliseconds: Int64 = 0
    /// When set, a broadcast of a transaction the node already holds (pending or in a block) is refused with this
    /// code (SIGERROR, CONTRACT_VALIDATE_ERROR, …) in java-tron's error shape instead of DUP_TRANSACTION_ERROR.
    public var refuseRebroadcastCode: String?

    /// No faults: an honest, prompt node.
    public init() {}

    enum CodingKeys: String, CodingKey {
        case httpErrorRate = "http_error_rate"
        case timeoutRate = "timeout_rate"
        case timeoutSeconds = "timeout_seconds"
        case dropBroadcastRate = "drop_broadcast_rate"
        case inclusionDelayBlocks = "inclusion_delay_blocks"
        case revertRecipients = "revert_recipients"
        case lookupMode = "lookup_mode"
        case lagBlocks = "lag_blocks"
        case lagSolidity = "lag_solidity"
        case clockOffsetMilliseconds = "clock_offset_ms"
        case refuseRebroadcastCode = "refuse_rebroadcast_code"
    }

    /// Decodes the JSON of `POST /admin/faults` (or a faults file): omitted keys take their defaults; an
    /// unknown lookup_mode or a negative lag_blocks is refused naming the key.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        httpErrorRate = try container.decodeIfPresent(Double.self, forKey: .httpErrorRate) ?? 0
        timeoutRate = try container.decodeIfPresent(Double.self, forKey: .timeoutRate) ?? 0
        timeoutSeconds = try container.decodeIfPresent(Double.self, forKey: .timeoutSeconds) ?? 15
        dropBroadcastRate = try container.decodeIfPresent(Double.self, forKey: .dropBroadcastRate) ?? 0
        inclusionDelayBlocks = try container.decodeIfPresent(Int64.self, forKey: .inclusionDelayBlocks) ?? 0
        revertRecipients = try container.decodeIfPresent([String].self, forKey: .revertRecipients) ?? []
        if let mode = try container.decodeIfPresent(String.self, forKey: .lookupMode) {
            guard let parsed = LookupMode(rawValue: mode) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .lookupMode, in: container,
                    debugDescription: "lookup_mode must be honest, lagging or lying, got \(mode)")
            }
            lookupMode = parsed
        }
        lagBlocks = try container.decodeIfPresent(Int64.self, forKey: .lagBlocks) ?? 0
        guard lagBlocks >= 0 else {
            throw DecodingError.dataCorruptedError(
                forKey: .lagBlocks, in: container, debugDescription: "lag_blocks must be >= 0")
        }
        lagSolidity = try container.decodeIfPresent(Bool.self, forKey: .lagSolidity) ?? true
        clockOffsetMilliseconds = try container.decodeIfPresent(Int64.self, forKey: .clockOffsetMilliseconds) ?? 0
        refuseRebroadcastCode = try container.decodeIfPresent(String.self, forKey: .refuseRebroadcastCode).flatMap {
            $0.isEmpty ? nil : $0
        }
    }

    /// java-tron's message for a refusal `code` (TRON.md §4.3), used when a rebroadcast is refused.
    static func refusalMessage(for code: String) -> String {
        switch code {
        case "SIGERROR": "Validate signature error: miss sig or contract"
        case "CONTRACT_VALIDATE_ERROR": "Contract validate error : No contract!"
        case "CONTRACT_EXE_ERROR": "Contract execute error : REVERT opcode executed"
        case "TAPOS_ERROR": "Tapos check error."
        case "TRANSACTION_EXPIRATION_ERROR": "Transaction expired"
        case "BANDWITH_ERROR": "Account resource insufficient error."
        case "SERVER_BUSY": "Server busy."
        default: "\(code)"
        }
    }
}

/// One listener's fault profile, shared by its handlers and changed by its `POST /admin/faults`.
public final class DevnetFaultProfile: Sendable {
    private let value: Mutex<DevnetFaults>

    /// A profile starting at `faults`.
    public init(_ faults: DevnetFaults = DevnetFaults()) { value = Mutex(faults) }

    /// The profile now in force; handlers read it once per request.
    public var current: DevnetFaults { value.withLock { $0 } }
    /// Replaces the whole profile (`POST /admin/faults`).
    public func set(_ faults: DevnetFaults) { value.withLock { $0 = faults } }
}
