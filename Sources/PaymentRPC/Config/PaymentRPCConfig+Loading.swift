import Foundation
import PaymentCore
import ServerSupport
import TronKit
import TronNode

extension PaymentRPCConfig {
    /// Reads the YAML file (if any), applies `PAYMENT_RPC_*` environment overrides, and validates everything.
    /// - Throws: `ConfigError` naming the first key (or file, or environment variable) that cannot be used.
    public static func load(file: String?, environment: [String: String]) throws(ConfigError) -> PaymentRPCConfig {
        try PaymentRPCConfig(source: ConfigSource.load(schema, file: file, environment: environment))
    }

    /// Builds and validates a configuration from gathered settings; the keys are documented in `schema`.
    init(source reader: ConfigSource) throws(ConfigError) {
        self.init()
        configWarnings = reader.warnings
        environment = try reader.choice("environment", default: environment)
        grpcListen = try reader.hostPort("grpc.listen", default: grpcListen)
        grpcUnixSocket = try reader.string("grpc.unix_socket").flatMap { $0.isEmpty ? nil : $0 }
        adminListen = try reader.hostPort("admin.listen", default: adminListen)
        try readTransportRules(reader)
        try readTreasury(reader)
        sqlitePath = try reader.string("store.sqlite_path") ?? sqlitePath
        guard !sqlitePath.isEmpty else { throw ConfigError(key: "store.sqlite_path", "must name a file") }
        try readStore(reader)
        limits.dailyUnits = try reader.positiveUnits("limits.daily_units") ?? limits.dailyUnits
        limits.hourlyUnits = try reader.positiveUnits("limits.hourly_units") ?? limits.hourlyUnits
        for (router, key) in [
            (Router.v0, "limits.v0_max_units"), (.kyc, "limits.kyc_max_units"), (.direct, "limits.direct_max_units"),
        ] {
            maxPerPayout[router] = try reader.positiveUnits(key) ?? maxPerPayout[router]
        }
        directAllowlist = Set(
            try reader.list("routers.direct_allowlist").enumerated().map { index, text throws(ConfigError) in
                do {
                    return try TronAddress(base58: text)
                } catch {
                    throw ConfigError(
                        key: "routers.direct_allowlist[\(index)]", "\"\(text)\" is not a TRON address (\(error))")
                }
            })
        if let key = try reader.string("compliance.authority_public_key"), !key.isEmpty {
            do {
                complianceAuthority = try ComplianceAuthority(encoded: key)
            } catch {
                throw ConfigError(key: "compliance.authority_public_key", error.message)
            }
        }
        breaker.failureThresholdPercent =
            try reader.integer("breaker.failure_threshold_percent", in: 1...100) ?? breaker.failureThresholdPercent
        breaker.minimumOutcomes =
            try reader.integer("breaker.minimum_outcomes", in: 1...100_000) ?? breaker.minimumOutcomes
        if let seconds = try reader.integer("breaker.window_seconds", in: 1...86_400) {
            breaker.window = .seconds(seconds)
        }
        if let seconds = try reader.integer("breaker.open_cooldown_seconds", in: 1...86_400) {
            breaker.openCooldown = .seconds(seconds)
        }
        network = try reader.choice("tron.network", default: network)
        nodeURL = try reader.url("tron.node_url")?.absoluteString
        solidityURL = try reader.url("tron.solidity_url")?.absoluteString
        apiKey = try reader.string("tron.api_key").flatMap { $0.isEmpty ? nil : $0 }
        if let text = try reader.string("tron.usdt_contract"), !text.isEmpty {
            do {
                usdtContract = try TronAddress(base58: text)
            } catch {
                throw ConfigError(key: "tron.usdt_contract", "\"\(text)\" is not a TRON address (\(error))")
            }
        }
        if let fee = try reader.positiveUnits("tron.fee_limit_sun") {
            guard fee <= 15_000_000_000 else {
                throw ConfigError(key: "tron.fee_limit_sun", "must be at most 15000000000 (15,000 TRX)")
            }
            feeLimitSun = fee
        }
        feeMarginPercent = Int64(try reader.integer("tron.fee_margin_percent", in: 0...500) ?? Int(feeMarginPercent))
        minTransferEnergy = try reader.int64("tron.min_transfer_energy", in: 0...10_000_000) ?? minTransferEnergy
        nodeTimeoutMilliseconds =
            try reader.integer("tron.request_timeout_ms", in: 100...120_000) ?? nodeTimeoutMilliseconds
        if let text = try reader.string("tron.proxy"), !text.isEmpty {
            do {
                nodeProxy = try NodeProxy(url: text)
            } catch {
                throw ConfigError(key: "tron.proxy", error.message)
            }
        }
        walletKeyFile = try reader.string("wallet.key_file").flatMap { $0.isEmpty ? nil : $0 }
        processorEnabled = try reader.bool("processor.enabled") ?? processorEnabled
        processorPollMilliseconds =
            try reader.integer("processor.poll_interval_ms", in: 10...60_000) ?? processorPollMilliseconds
        processorMaxAttempts = try reader.integer("processor.max_attempts", in: 1...20) ?? processorMaxAttempts
        if let expiration = try reader.integer("processor.expiration_ms", in: 3_000...86_400_000) {
            processorExpirationMilliseconds = Int64(expiration)
        }
        try readProcessingSafety(reader)
        logLevel = try reader.logLevel(default: .info).rawValue
        try validateRelations()
        try validateTransport()
    }

    /// Production's node URLs must be https: the answers decide what is paid and what is retired, and a plain-HTTP
    /// answer can be changed on its way (by any hop, by a Tor exit relay above all), so a forged "not found" could
    /// make the processor pay again. Staging and development may use http (the devnet).
    static func requireHTTPS(_ urls: [(key: String, url: String?)]) throws(ConfigError) {
        for (key, url) in urls {
            guard let url else { continue }
            guard url.lowercased().hasPrefix("https://") else {
                throw ConfigError(
                    key: key,
                    "must be an https URL when environment is production (a plain-HTTP answer can be changed on its "
                        + "way), got \"\(url)\"")
            }
        }
    }

    /// The rules between keys: daily > hourly ≥ every per-payout maximum; production pays on mainnet, from nodes
    /// reached over https.
    func validateRelations() throws(ConfigError) {
        guard limits.dailyUnits > limits.hourlyUnits else {
            throw ConfigError(
                key: "limits.daily_units",
                "must be greater than limits.hourly_units (\(limits.dailyUnits) ≤ \(limits.hourlyUnits))")
        }
        for router in Router.allCases {
            let maximum = maxPerPayout[router] ?? 0
            guard maximum <= limits.hourlyUnits else {
                throw ConfigError(
                    key: "limits.\(router.rawValue.lowercased())_max_units",
                    "must be at most limits.hourly_units (\(maximum) > \(limits.hourlyUnits))")
            }
        }
        if environment == .production {
            guard network == .mainnet else {
                throw ConfigError(
                    key: "tron.network", "must be mainnet when environment is production, got \(network.rawValue)")
            }
            try Self.requireHTTPS(
                [("tron.node_url", nodeURL), ("tron.solidity_url", solidityURL)]
                    + crossCheckURLs.enumerated().map { ("tron.cross_check_urls[\($0.offset)]", $0.element) })
        }
        // Real money is only paid under production's rules: development's unauthenticated TCP and open
        // AdminService (and staging's test-network purpose) must never hold a mainnet hot wallet.
        if network == .mainnet, environment != .production {
            throw ConfigError(
                key: "environment", "must be production when tron.network is mainnet, got \(environment.rawValue)")
        }
    }
}

extension ConfigSource {
    /// A whole number of USDT base units greater than 0, or nil when unset.
    func positiveUnits(_ key: String) throws(ConfigError) -> Int64? {
        guard let text = try string(key) else { return nil }
        guard let value = Int64(text.replacingOccurrences(of: "_", with: "")), value > 0 else {
            throw ConfigError(
                key: key, "must be a whole number of USDT base units greater than 0 (1 USDT = 1000000), got \"\(text)\""
            )
        }
        return value
    }
}
