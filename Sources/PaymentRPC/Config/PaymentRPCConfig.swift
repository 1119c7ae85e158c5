import Foundation
import PaymentStorePostgres
import PaymentCore
import ServerSupport

#if canImport(Glibc)
    import Glibc
#endif
import TronKit
import TronNode

/// Everything payment-rpc is configured with. Defaults are the seeds' and suit a development machine; every value
/// is validated once, at start, by `PaymentRPCConfig.load`.
public struct PaymentRPCConfig: Sendable {
    /// Where payment-rpc runs, which decides how it may be reached.
    ///
    /// - development: gRPC on TCP `grpc.listen` (and the Unix socket when set); calls without identity are
    ///   accepted as "anonymous" and may use AdminService. Only for a developer's machine.
    /// - staging: production's transport and identity rules (Unix socket only, peer uid checked, identity
    ///   required, AdminService only for `admin.allowed_callers`) on any network, e.g. the devnet or a testnet.
    /// - production: staging's rules, and the network must be mainnet.
    public enum Environment: String, Sendable, CaseIterable {
        case development
        case staging
        case production

        /// Whether gRPC is served only on the Unix socket and every call must carry the sidecar's identity.
        public var requiresSidecar: Bool { self != .development }
    }

    /// The TRON network payouts are made on: TronNode's typed networks, with their endpoints and contract.
    public typealias Network = TronNetwork

    /// A host and port to listen on.
    public typealias ListenAddress = HostPort

    /// Where payment-rpc runs (key `environment`), development by default.
    public var environment: Environment = .development
    /// The gRPC TCP listener (key `grpc.listen`), served in development only; setting it in staging or
    /// production is refused at start.
    public var grpcListen = ListenAddress(host: "127.0.0.1", port: 50051)
    /// The Unix socket the sidecar connects to (key `grpc.unix_socket`): optional in development, required
    /// otherwise. It is created with mode 0660 in a directory that must already exist.
    public var grpcUnixSocket: String?
    /// The uids allowed to connect to the Unix socket, checked with SO_PEERCRED on every connection (key
    /// `grpc.allowed_peer_uids`); the server's own uid when not set. Others are closed and counted.
    public var allowedPeerUIDs: Set<UInt32> = [UInt32(getuid())]
    /// The identities ("plane/service") allowed to call AdminService (key `admin.allowed_callers`); empty by
    /// default, so only development's anonymous callers can use it until an operator names someone.
    public var adminAllowedCallers: Set<String> = []
    /// Whether the file or the environment set `grpc.listen` (refused outside development).
    var grpcListenSetExplicitly = false
    /// The admin HTTP listener: /live, /ready, /health, /metrics (key `admin.listen`).
    public var adminListen = ListenAddress(host: "127.0.0.1", port: 9090)
    /// The SQLite ledger file (key `store.sqlite_path`).
    public var sqlitePath = ".state/payments.sqlite"
    /// The shared PostgreSQL ledger (keys `store.postgres_*`, `store.lease_seconds`); nil: the SQLite file.
    public var postgres: PostgresSettings?
    /// Limits (keys `limits.*`): daily 10,000 USDT, hourly 1,000 USDT.
    public var limits = LimitPolicy(dailyUnits: USDT.units(10_000), hourlyUnits: USDT.units(1_000))
    /// Per-payout maxima (keys `limits.v0_max_units`, `limits.kyc_max_units`, `limits.direct_max_units`).
    public var maxPerPayout: [Router: Int64] = [
        .v0: USDT.units(100), .kyc: USDT.units(1_000), .direct: USDT.units(1_000),
    ]
    /// Trusted recipients for DIRECT payouts (key `routers.direct_allowlist`).
    public var directAllowlist: Set<TronAddress> = []
    /// The compliance authority's Ed25519 public key (key `compliance.authority_public_key`); KYC is off without it.
    public var complianceAuthority: ComplianceAuthority?
    /// The circuit breaker (keys `breaker.*`).
    public var breaker = CircuitBreakerPolicy()
    /// The TRON network (key `tron.network`).
    public var network: Network = .devnet
    /// The full node's HTTP API (key `tron.node_url`); the network preset's when not set.
    public var nodeURL: String?
    /// The solidity node's HTTP API (key `tron.solidity_url`); the full node's when not set.
    public var solidityURL: String?
    /// TronGrid API key (key `tron.api_key`, best set as PAYMENT_RPC_TRON_API_KEY). Never logged.
    public var apiKey: String?
    /// The USDT contract (key `tron.usdt_contract`); the network preset's when not set.
    public var usdtContract: TronAddress?
    /// The most a transfer's fee_limit may be, in sun (key `tron.fee_limit_sun`), 50 TRX by default; each transfer's
    /// fee_limit is the node's energy estimate × getEnergyFee raised by `feeMarginPercent`, at most this.
    public var feeLimitSun: Int64 = 50_000_000
    /// Percent added to a transfer's estimated fee for its fee_limit (key `tron.fee_margin_percent`), 20 by default.
    public var feeMarginPercent: Int64 = 20
    /// The least energy a transfer's fee_limit pays for (key `tron.min_transfer_energy`), 130,285 by default: what a
    /// transfer to an address without USDT takes.
    public var minTransferEnergy: Int64 = 130_285
    /// Per-request timeout for node calls (key `tron.request_timeout_ms`).
    public var nodeTimeoutMilliseconds = 5_000
    /// The proxy every node request goes through (key `tron.proxy`: `socks5://host:port`, e.g. Tor's SocksPort, or
    /// `http://host:port`, an HTTP CONNECT proxy; no credentials). Direct connections when not set.
    public var nodeProxy: NodeProxy?
    /// The hot wallet's key file (key `wallet.key_file`): 64 hex characters, mode 0600 or stricter.
    public var walletKeyFile: String?
    /// Whether payment-rpc signs and broadcasts payouts (key `processor.enabled`). Needs a hot-wallet key.
    public var processorEnabled = false
    /// Pause between processor rounds (key `processor.poll_interval_ms`).
    public var processorPollMilliseconds = 1_000
    /// Transactions built per payout before it fails (key `processor.max_attempts`).
    public var processorMaxAttempts = 3
    /// Transaction lifetime after the head block (key `processor.expiration_ms`).
    public var processorExpirationMilliseconds: Int64 = 60_000
    /// Other full nodes (base URLs serving /wallet and /walletsolidity) that must all agree before a transaction
    /// is retired (key `tron.cross_check_urls`; empty by default, recommended in production).
    public var crossCheckURLs: [String] = []
    /// How far a node's solid block may be ahead of the local clock and still retire anything (key
    /// `tron.clock_tolerance_ms`, 0...600000, default 10 s).
    public var clockToleranceMilliseconds: Int64 = 10_000
    /// Development only: the instant the server's wall clock starts from (key `development.clock_start`,
    /// RFC 3339); the real time when not set.
    public var developmentClockStart: Date?
    /// Development only: how many times faster than real time the server's wall clock runs (key
    /// `development.clock_rate`, default 1).
    public var developmentClockRate = 1

    /// TreasuryService's callers and the hot wallet's health thresholds (keys `treasury.*`).
    public var treasury = Treasury()

    /// Log level (key `log.level`).
    public var logLevel = "info"
    /// One line per renamed key the file or the environment used; logged at start.
    public var configWarnings: [String] = []

    /// Every setting at its default (development on the devnet, processor off): what tests start from.
    /// payment-rpc itself reads its settings with `PaymentRPCConfig.load(file:environment:)`, which validates them.
    public init() {}

    /// The routing rules these settings describe.
    public var payoutPolicy: PayoutPolicy {
        PayoutPolicy(
            maxPerPayout: maxPerPayout, directAllowlist: directAllowlist, complianceAuthority: complianceAuthority)
    }
}

/// A configuration value that cannot be used; the message names the key and what is allowed.
public typealias ConfigError = ServerSupport.ConfigError
