import ServerSupport

// The keys of TreasuryService and the hot wallet's health:
//
// | key                              | type                   | default | meaning                                          |
// |----------------------------------|------------------------|---------|--------------------------------------------------|
// | `treasury.allowed_callers`       | list of plane/service  | empty   | who may call TreasuryService                     |
// | `treasury.min_trx_sun`           | integer ≥ 0            | 0 (off) | /health degraded below; no stake goes below it   |
// | `treasury.min_usdt_units`        | integer ≥ 0            | 0 (off) | /health degraded below this USDT balance         |
// | `treasury.min_payouts_covered`   | integer ≥ 0            | 0 (off) | /health degraded when fewer payouts are covered  |
// | `treasury.refresh_seconds`       | integer 5...3600       | 30      | how often the hot wallet's gauges are read       |
extension PaymentRPCConfig {
    /// The treasury's settings: who may operate the hot wallet, and the thresholds of its health.
    public struct Treasury: Sendable, Equatable {
        /// The identities ("plane/service") allowed to call TreasuryService.
        public var allowedCallers: Set<String> = []
        /// /health says degraded while the hot wallet holds less TRX (sun); 0 checks nothing.
        public var minTRXSun: Int64 = 0
        /// /health says degraded while the hot wallet holds less USDT (base units); 0 checks nothing.
        public var minUSDTUnits: Int64 = 0
        /// /health says degraded while the energy and TRX cover fewer typical payouts; 0 checks nothing.
        public var minPayoutsCovered: Int64 = 0
        /// How often the gauges and the thresholds are read from the node, seconds.
        public var refreshSeconds = 30

        /// Every threshold off.
        public init() {}
    }

    mutating func readTreasury(_ reader: ConfigSource) throws(ConfigError) {
        treasury.allowedCallers = try Self.identities(reader, "treasury.allowed_callers")
        treasury.minTRXSun = try reader.int64("treasury.min_trx_sun", in: 0...100_000_000_000_000_000) ?? 0
        treasury.minUSDTUnits = try reader.int64("treasury.min_usdt_units", in: 0...1_000_000_000_000_000) ?? 0
        treasury.minPayoutsCovered = try reader.int64("treasury.min_payouts_covered", in: 0...1_000_000_000) ?? 0
        treasury.refreshSeconds = try reader.integer("treasury.refresh_seconds", in: 5...3_600) ?? 30
    }

    /// A list of "plane/service" identities under `key`, each checked.
    static func identities(_ reader: ConfigSource, _ key: String) throws(ConfigError) -> Set<String> {
        Set(
            try reader.list(key).enumerated().map { index, text throws(ConfigError) in
                let parts = text.split(separator: "/", omittingEmptySubsequences: false)
                guard parts.count == 2,
                    parts.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { (0x21...0x7e).contains($0) } })
                else {
                    throw ConfigError(
                        key: "\(key)[\(index)]", "must be \"plane/service\", e.g. \"ops/api-gateway\"; got \"\(text)\"")
                }
                return text
            })
    }
}
