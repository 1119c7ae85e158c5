import Foundation
import PaymentCore
import TronKit
import Yams

extension PaymentRPCConfig {
    /// Every key the file and the environment may set. Anything else is an error, so a misspelled key cannot be
    /// silently ignored.
    public static let keys: [String] = [
        "environment", "grpc.listen", "grpc.unix_socket", "grpc.allowed_peer_uids", "admin.listen",
        "admin.allowed_callers", "store.sqlite_path",
        "limits.daily_units", "limits.hourly_units", "limits.v0_max_units", "limits.kyc_max_units",
        "limits.direct_max_units", "routers.direct_allowlist", "compliance.authority_public_key",
        "breaker.failure_threshold_percent", "breaker.minimum_outcomes", "breaker.window_seconds",
        "breaker.open_cooldown_seconds", "tron.network", "tron.node_url", "tron.solidity_url", "tron.api_key",
        "tron.usdt_contract", "tron.fee_limit_sun", "tron.request_timeout_ms", "wallet.key_file", "processor.enabled",
        "processor.poll_interval_ms", "processor.max_attempts", "processor.expiration_ms", "log.level",
        "tron.cross_check_urls", "tron.clock_tolerance_ms", "development.clock_start", "development.clock_rate",
    ]

    /// The environment variable that overrides a key: `PAYMENT_RPC_` + the key upper-cased, dots as underscores
    /// (`limits.daily_units` → `PAYMENT_RPC_LIMITS_DAILY_UNITS`). Lists are comma-separated.
    public static func environmentVariable(for key: String) -> String {
        "PAYMENT_RPC_" + key.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    /// Reads the YAML file (if any), applies environment overrides, and validates everything.
    public static func load(file: String?, environment: [String: String]) throws(ConfigError) -> PaymentRPCConfig {
        var values: [String: [String]] = [:]
        if let file {
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw ConfigError(key: file, "cannot read the configuration file (\(error.localizedDescription))")
            }
            values = try flatten(yaml: text, file: file)
        }
        for key in keys {
            if let value = environment[environmentVariable(for: key)] {
                values[key] = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            }
        }
        return try PaymentRPCConfig(values: values)
    }

    /// Builds and validates a configuration from flattened key → values.
    init(values: [String: [String]]) throws(ConfigError) {
        self.init()
        let reader = ConfigReader(values: values)
        environment = try reader.choice("environment", default: environment)
        grpcListen = try reader.address("grpc.listen", default: grpcListen)
        grpcUnixSocket = try reader.string("grpc.unix_socket").flatMap { $0.isEmpty ? nil : $0 }
        adminListen = try reader.address("admin.listen", default: adminListen)
        try readTransportRules(reader)
        sqlitePath = try reader.string("store.sqlite_path") ?? sqlitePath
        guard !sqlitePath.isEmpty else { throw ConfigError(key: "store.sqlite_path", "must name a file") }
        limits.dailyUnits = try reader.positive("limits.daily_units") ?? limits.dailyUnits
        limits.hourlyUnits = try reader.positive("limits.hourly_units") ?? limits.hourlyUnits
        for (router, key) in [
            (Router.v0, "limits.v0_max_units"), (.kyc, "limits.kyc_max_units"), (.direct, "limits.direct_max_units"),
        ] {
            maxPerPayout[router] = try reader.positive(key) ?? maxPerPayout[router]
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
        nodeURL = try reader.url("tron.node_url")
        solidityURL = try reader.url("tron.solidity_url")
        apiKey = try reader.string("tron.api_key").flatMap { $0.isEmpty ? nil : $0 }
        if let text = try reader.string("tron.usdt_contract"), !text.isEmpty {
            do {
                usdtContract = try TronAddress(base58: text)
            } catch {
                throw ConfigError(key: "tron.usdt_contract", "\"\(text)\" is not a TRON address (\(error))")
            }
        }
        if let fee = try reader.positive("tron.fee_limit_sun") {
            guard fee <= 15_000_000_000 else {
                throw ConfigError(key: "tron.fee_limit_sun", "must be at most 15000000000 (15,000 TRX)")
            }
            feeLimitSun = fee
        }
        nodeTimeoutMilliseconds =
            try reader.integer("tron.request_timeout_ms", in: 100...120_000) ?? nodeTimeoutMilliseconds
        walletKeyFile = try reader.string("wallet.key_file").flatMap { $0.isEmpty ? nil : $0 }
        if let enabled = try reader.string("processor.enabled") {
            guard let value = Bool(enabled.lowercased()) else {
                throw ConfigError(key: "processor.enabled", "must be true or false, got \"\(enabled)\"")
            }
            processorEnabled = value
        }
        processorPollMilliseconds =
            try reader.integer("processor.poll_interval_ms", in: 10...60_000) ?? processorPollMilliseconds
        processorMaxAttempts = try reader.integer("processor.max_attempts", in: 1...20) ?? processorMaxAttempts
        if let expiration = try reader.integer("processor.expiration_ms", in: 3_000...86_400_000) {
            processorExpirationMilliseconds = Int64(expiration)
        }
        try readProcessingSafety(reader)
        logLevel = try reader.string("log.level") ?? logLevel
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) else {
            throw ConfigError(
                key: "log.level",
                "must be one of trace, debug, info, notice, warning, error, critical; got \"\(logLevel)\"")
        }
        try validateRelations()
        try validateTransport()
    }

    /// The rules between keys: daily > hourly ≥ every per-payout maximum; production pays on mainnet.
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
        }
        // Real money is only paid under production's rules: development's unauthenticated TCP and open
        // AdminService (and staging's test-network purpose) must never hold a mainnet hot wallet.
        if network == .mainnet, environment != .production {
            throw ConfigError(
                key: "environment", "must be production when tron.network is mainnet, got \(environment.rawValue)")
        }
    }

    /// Flattens nested YAML mappings into dotted keys; refuses unknown keys and non-scalar values.
    static func flatten(yaml text: String, file: String) throws(ConfigError) -> [String: [String]] {
        let document: Any?
        do {
            document = try Yams.load(yaml: text)
        } catch {
            throw ConfigError(key: file, "is not valid YAML (\(error))")
        }
        guard let document else { return [:] }
        guard let root = document as? [String: Any] else {
            throw ConfigError(key: file, "must be a YAML mapping of settings")
        }
        var values: [String: [String]] = [:]
        func walk(_ node: [String: Any], prefix: String) throws(ConfigError) {
            for (name, value) in node {
                let key = prefix.isEmpty ? name : "\(prefix).\(name)"
                if let child = value as? [String: Any] {
                    try walk(child, prefix: key)
                    continue
                }
                guard keys.contains(key) else {
                    throw ConfigError(
                        key: key, "is not a known setting; known settings: \(keys.joined(separator: ", "))")
                }
                if let list = value as? [Any] {
                    values[key] = list.map { "\($0)" }
                } else if value is NSNull {
                    values[key] = [""]
                } else {
                    values[key] = ["\(value)"]
                }
            }
        }
        try walk(root, prefix: "")
        return values
    }
}

/// Typed reads of flattened values, each error naming its key.
struct ConfigReader {
    let values: [String: [String]]

    func string(_ key: String) throws(ConfigError) -> String? {
        guard let list = values[key] else { return nil }
        guard list.count == 1 else { throw ConfigError(key: key, "must be a single value, not a list") }
        return list[0]
    }

    func list(_ key: String) throws(ConfigError) -> [String] {
        (values[key] ?? []).filter { !$0.isEmpty }
    }

    func positive(_ key: String) throws(ConfigError) -> Int64? {
        guard let text = try string(key) else { return nil }
        guard let value = Int64(text.replacingOccurrences(of: "_", with: "")), value > 0 else {
            throw ConfigError(
                key: key, "must be a whole number of USDT base units greater than 0 (1 USDT = 1000000), got \"\(text)\""
            )
        }
        return value
    }

    func integer(_ key: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int? {
        guard let text = try string(key) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigError(
                key: key, "must be a whole number from \(range.lowerBound) to \(range.upperBound), got \"\(text)\"")
        }
        return value
    }

    func choice<Value: RawRepresentable & CaseIterable>(_ key: String, default fallback: Value) throws(ConfigError)
        -> Value
    where Value.RawValue == String {
        guard let text = try string(key) else { return fallback }
        guard let value = Value(rawValue: text) else {
            throw ConfigError(
                key: key, "must be one of \(Value.allCases.map(\.rawValue).joined(separator: ", ")); got \"\(text)\"")
        }
        return value
    }

    func url(_ key: String) throws(ConfigError) -> String? {
        guard let text = try string(key), !text.isEmpty else { return nil }
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw ConfigError(key: key, "must be an http(s) URL, got \"\(text)\"")
        }
        return text
    }

    func address(_ key: String, default fallback: PaymentRPCConfig.ListenAddress) throws(ConfigError)
        -> PaymentRPCConfig.ListenAddress
    {
        guard let text = try string(key) else { return fallback }
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65_535).contains(port), colon != text.startIndex
        else {
            throw ConfigError(key: key, "must be host:port with a port from 0 to 65535, got \"\(text)\"")
        }
        return .init(host: String(text[..<colon]), port: port)
    }
}
