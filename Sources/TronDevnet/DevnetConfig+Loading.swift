import Foundation
import ServerSupport
import TronKit

extension DevnetConfig {
    /// tron-devnet's settings: a YAML file (`--config`), then TRON_DEVNET_ variables, then the command-line flags
    /// (each flag overrides the key of the same meaning).
    public static let schema = ConfigSchema(
        program: "tron-devnet", environmentPrefix: "TRON_DEVNET_",
        keys: [
            ConfigKey("listen", "the main listener, host:port (default 127.0.0.1:8090); flag --listen"),
            ConfigKey.list(
                "view_listen",
                "more listeners on the same chain, each with its own fault profile, host:port (list); --view-listen"),
            ConfigKey(
                "block_interval_ms",
                "milliseconds between blocks, 0 = only on POST /admin/produce (default 3000); --block-interval-ms"),
            ConfigKey("state_file", "the state file (JSON), kept across restarts (default: memory only); --state-file"),
            ConfigKey(
                "genesis_file",
                "a genesis file: {\"accounts\": [{\"address\", \"trx_sun\", \"usdt_units\"}]}; --genesis"),
            ConfigKey.list("fund", "accounts funded at genesis, ADDRESS:TRX_SUN:USDT_UNITS (list); --fund"),
            ConfigKey("energy_fee", "sun per energy, the chain parameter getEnergyFee (default 100); --energy-fee"),
            ConfigKey("solid_lag", "blocks behind the head that are solid (default 18); --solid-lag"),
            ConfigKey(
                "unfreeze_delay_seconds",
                "seconds from unstaking to withdrawal, getUnfreezeDelayDays (default 1209600, 14 days); "
                    + "--unfreeze-delay-seconds"),
            ConfigKey(
                "total_energy_limit", "energy shared by all stake per day (default 180000000000); --total-energy-limit"),
            ConfigKey(
                "total_net_limit", "bandwidth shared by all stake per day (default 43200000000); --total-net-limit"),
            ConfigKey("free_net_limit", "free bandwidth per account per day, bytes (default 600); --free-net-limit"),
            ConfigKey(
                "other_energy_weight",
                "whole TRX staked for energy outside the devnet (default 10000000000); --other-energy-weight"),
            ConfigKey(
                "other_net_weight",
                "whole TRX staked for bandwidth outside the devnet (default 10000000000); --other-net-weight"),
            ConfigKey("faults_file", "the main listener's faults (JSON, the shape of GET /admin/faults); --faults"),
            ConfigKey(
                "faults.lookup_mode",
                "the main listener's lookups: honest, lagging or lying (over faults_file); --lookup-mode"),
            ConfigKey(
                "faults.lag_blocks",
                "with lookup_mode lagging, blocks after inclusion during which lookups answer {}; --lag-blocks"),
            ConfigKey(
                "faults.clock_offset_ms",
                "milliseconds added to the block timestamps the main listener serves; --clock-offset-ms"),
            ConfigKey(
                "faults.refuse_rebroadcast_code",
                "refuse a rebroadcast with this code (e.g. SIGERROR), empty = DUP_TRANSACTION_ERROR; "
                    + "--refuse-rebroadcast-code"),
            ConfigKey(
                "log.level", "trace, debug, info, notice, warning, error or critical (default info); --log-level"),
        ])

    /// Reads the configuration (`file`, then TRON_DEVNET_ variables in `environment`, then `overrides`, keyed by
    /// config key) and the genesis and faults files it names.
    /// - Throws: `ConfigError` naming the key (or file) that is unknown, malformed or unreadable.
    public static func load(
        file: String?, environment: [String: String], overrides: [String: String] = [:]
    ) throws(ConfigError) -> DevnetConfig {
        try DevnetConfig(try ConfigSource.load(schema, file: file, environment: environment, overrides: overrides))
    }

    /// The configuration `source` holds, with the genesis and faults files it names read.
    public init(_ source: ConfigSource) throws(ConfigError) {
        self.init()
        listen = try source.hostPort("listen", default: listen)
        viewListen = try source.list("view_listen").map { text throws(ConfigError) in
            guard let address = HostPort(parsing: text) else {
                throw ConfigError(key: "view_listen", "takes host:port, got \"\(text)\"")
            }
            return address
        }
        logLevel = try source.logLevel(default: logLevel)
        blockIntervalMilliseconds = try source.integer(
            "block_interval_ms", in: 0...86_400_000, default: blockIntervalMilliseconds)
        stateFile = try source.string("state_file").flatMap { $0.isEmpty ? nil : $0 }
        energyFee = try source.int64("energy_fee", in: 0...Int64.max) ?? energyFee
        solidLag = try source.int64("solid_lag", in: 0...Int64.max) ?? solidLag
        unfreezeDelaySeconds =
            try source.int64("unfreeze_delay_seconds", in: 0...(365 * 86_400)) ?? unfreezeDelaySeconds
        totalEnergyLimit = try source.int64("total_energy_limit", in: 0...1_000_000_000_000_000) ?? totalEnergyLimit
        totalNetLimit = try source.int64("total_net_limit", in: 0...1_000_000_000_000_000) ?? totalNetLimit
        freeNetLimit = try source.int64("free_net_limit", in: 0...1_000_000_000) ?? freeNetLimit
        otherEnergyWeight = try source.int64("other_energy_weight", in: 0...100_000_000_000) ?? otherEnergyWeight
        otherNetWeight = try source.int64("other_net_weight", in: 0...100_000_000_000) ?? otherNetWeight
        if let path = try source.string("genesis_file"), !path.isEmpty {
            genesis = try Self.genesisAccounts(path)
        }
        genesis += try source.list("fund").map { entry throws(ConfigError) in try Self.funded(entry) }
        if let path = try source.string("faults_file"), !path.isEmpty {
            faults = try Self.faults(path)
        }
        faults.lookupMode = try source.choice("faults.lookup_mode", default: faults.lookupMode)
        faults.lagBlocks = try source.int64("faults.lag_blocks", in: 0...Int64.max) ?? faults.lagBlocks
        faults.clockOffsetMilliseconds =
            try source.int64("faults.clock_offset_ms", in: Int64.min...Int64.max) ?? faults.clockOffsetMilliseconds
        if let code = try source.string("faults.refuse_rebroadcast_code") {
            faults.refuseRebroadcastCode = code.isEmpty ? nil : code
        }
    }

    /// One `fund` entry, ADDRESS:TRX_SUN:USDT_UNITS.
    static func funded(_ entry: String) throws(ConfigError) -> GenesisAccount {
        let parts = entry.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let trx = Int64(parts[1]), trx >= 0, let usdt = Int64(parts[2]), usdt >= 0 else {
            throw ConfigError(key: "fund", "takes ADDRESS:TRX_SUN:USDT_UNITS, got \"\(entry)\"")
        }
        guard (try? TronAddress(base58: String(parts[0]))) != nil else {
            throw ConfigError(key: "fund", "\"\(entry)\": \(parts[0]) is not a base58 TRON address")
        }
        return GenesisAccount(address: String(parts[0]), trxSun: trx, usdtUnits: usdt)
    }

    /// The accounts of a genesis file.
    static func genesisAccounts(_ path: String) throws(ConfigError) -> [GenesisAccount] {
        struct Genesis: Decodable { var accounts: [GenesisAccount] }
        return try decode(Genesis.self, path, key: "genesis_file").accounts
    }

    /// The faults of a faults file.
    static func faults(_ path: String) throws(ConfigError) -> DevnetFaults {
        try decode(DevnetFaults.self, path, key: "faults_file")
    }

    static func decode<Value: Decodable>(_ type: Value.Type, _ path: String, key: String) throws(ConfigError) -> Value {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigError(key: key, "\(path) cannot be read (\(error.localizedDescription))")
        }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw ConfigError(key: key, "\(path): \(DevnetHTTP.describe(error))")
        } catch {
            throw ConfigError(key: key, "\(path) is not JSON (\(error))")
        }
    }
}
