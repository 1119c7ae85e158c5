import ServerSupport
import TronWallet

extension PaymentRPCConfig {
    /// Every setting payment-rpc reads, with what it does. YAML uses the dotted names; each has an environment
    /// variable `PAYMENT_RPC_` + the name upper-cased with dots as underscores (`limits.daily_units` →
    /// `PAYMENT_RPC_LIMITS_DAILY_UNITS`, lists comma-separated) that overrides the file. Anything else with that
    /// prefix is refused at start, except the hot-wallet key variable that `WalletKey` reads.
    public static let schema = ConfigSchema(
        program: "payment-rpc", environmentPrefix: "PAYMENT_RPC_",
        keys: [
            ConfigKey("environment", "development (default), staging or production: the transport and identity rules"),
            ConfigKey("grpc.listen", "gRPC TCP listener, host:port (development only; default 127.0.0.1:50051)"),
            ConfigKey("grpc.unix_socket", "the Unix socket the sidecar connects to (required outside development)"),
            ConfigKey.list(
                "grpc.allowed_peer_uids", "uids allowed on the Unix socket (list; default the server's own)"),
            ConfigKey("admin.listen", "admin HTTP listener: /live /ready /health /metrics (default 127.0.0.1:9090)"),
            ConfigKey.list("admin.allowed_callers", "plane/service identities allowed to call AdminService (list)"),
            ConfigKey.list(
                "treasury.allowed_callers", "plane/service identities allowed to call TreasuryService (list)"),
            ConfigKey("treasury.min_trx_sun", "/health is degraded while the hot wallet has less TRX, sun (0: off)"),
            ConfigKey("treasury.min_usdt_units", "/health is degraded while the hot wallet has less USDT (0: off)"),
            ConfigKey(
                "treasury.min_payouts_covered",
                "/health is degraded while energy and TRX cover fewer typical payouts (0: off)"),
            ConfigKey("treasury.refresh_seconds", "how often the hot wallet's gauges are read, seconds (default 30)"),
            ConfigKey("store.sqlite_path", "the SQLite ledger file (default .state/payments.sqlite)"),
            ConfigKey(
                "store.postgres_url",
                "postgres://USER@HOST[:PORT]/DATABASE: the shared ledger of several instances (SQLite when unset)"),
            ConfigKey("store.postgres_password_file", "file holding the PostgreSQL password (mode 0600 or 0640)"),
            ConfigKey("store.postgres_tls", "disable (default) or require (verified; required in production)"),
            ConfigKey("store.postgres_ca_file", "PEM roots that sign the PostgreSQL server's certificate"),
            ConfigKey("store.postgres_pool_size", "PostgreSQL connections per instance at most (default 10)"),
            ConfigKey("store.lease_seconds", "how long a processor's claim on a payout lasts unrenewed (default 30)"),
            ConfigKey("limits.daily_units", "USDT base units paid per UTC day at most (default 10,000 USDT)"),
            ConfigKey("limits.hourly_units", "USDT base units paid per UTC hour at most (default 1,000 USDT)"),
            ConfigKey("limits.v0_max_units", "largest V0 payout, USDT base units (default 100 USDT)"),
            ConfigKey("limits.kyc_max_units", "largest KYC payout, USDT base units (default 1,000 USDT)"),
            ConfigKey("limits.direct_max_units", "largest DIRECT payout, USDT base units (default 1,000 USDT)"),
            ConfigKey.list("routers.direct_allowlist", "TRON addresses DIRECT payouts may go to (list)"),
            ConfigKey("compliance.authority_public_key", "Ed25519 key that signs KYC approvals (KYC off without it)"),
            ConfigKey(
                "breaker.failure_threshold_percent", "failed outcomes in the window that open the breaker, 1-100"),
            ConfigKey("breaker.minimum_outcomes", "outcomes in the window before the breaker may open"),
            ConfigKey("breaker.window_seconds", "the breaker's sliding window, seconds"),
            ConfigKey("breaker.open_cooldown_seconds", "how long an open breaker waits before a half-open trial"),
            ConfigKey("tron.network", "devnet (default), nile, shasta or mainnet"),
            ConfigKey("tron.node_url", "the full node's HTTP API (the network preset's when unset)"),
            ConfigKey("tron.solidity_url", "the solidity node's HTTP API (the full node's when unset)"),
            ConfigKey("tron.api_key", "TronGrid API key; never logged (set it as PAYMENT_RPC_TRON_API_KEY)"),
            ConfigKey("tron.usdt_contract", "the USDT contract (the network preset's when unset)"),
            ConfigKey(
                "tron.fee_limit_sun",
                "the most a transfer's fee_limit may be, sun (default 50 TRX, at most 15,000 TRX); each is the energy "
                    + "estimate × getEnergyFee plus tron.fee_margin_percent"),
            ConfigKey(
                "tron.fee_margin_percent", "percent added to a transfer's estimated fee for its fee_limit (default 20)"),
            ConfigKey(
                "tron.min_transfer_energy",
                "the least energy a transfer's fee_limit pays for, whatever the estimate (default 130285: a transfer "
                    + "to an address without USDT)"),
            ConfigKey("tron.request_timeout_ms", "timeout of each node request, ms (default 5000)"),
            ConfigKey(
                "tron.proxy", "socks5://host:port (Tor) or http://host:port (CONNECT) for every node request"),
            ConfigKey.list("tron.cross_check_urls", "other full nodes that must agree before a transaction is retired"),
            ConfigKey("tron.clock_tolerance_ms", "how far a node's solid block may lead the local clock, ms"),
            ConfigKey("wallet.key_file", "the hot wallet's key file: 64 hex characters, mode 0600"),
            ConfigKey("processor.enabled", "whether payment-rpc signs and broadcasts payouts (default false)"),
            ConfigKey("processor.poll_interval_ms", "pause between processor rounds, ms (default 1000)"),
            ConfigKey("processor.max_attempts", "transactions built per payout before it fails (default 3)"),
            ConfigKey("processor.expiration_ms", "transaction lifetime after the head block, ms (default 60000)"),
            ConfigKey("development.clock_start", "development only: the wall clock's start instant, RFC 3339"),
            ConfigKey("development.clock_rate", "development only: how many times faster the wall clock runs"),
            ConfigKey("log.level", "trace, debug, info (default), notice, warning, error or critical"),
        ],
        otherEnvironmentVariables: [WalletKey.environmentVariable])
}
