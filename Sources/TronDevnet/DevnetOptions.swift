import ArgumentParser

/// tron-devnet's command-line flags. Each overrides one key of `DevnetConfig.schema` (named in its help), over
/// `--config` (YAML) and TRON_DEVNET_* variables; values are checked when the configuration is loaded, so errors
/// name the key. The flag names are the ones the end-to-end tests pass.
public struct DevnetOptions: ParsableArguments {
    /// `--config`: the YAML configuration file, if any.
    @Option(help: "A YAML configuration file; TRON_DEVNET_* variables and the flags override it.")
    public var config: String?
    /// `--listen` (key `listen`): the main listener, host:port.
    @Option(help: "Listen address, host:port (listen; default 127.0.0.1:8090).")
    public var listen: String?
    /// `--view-listen`, repeatable (key `view_listen`): more listeners on the chain, host:port.
    @Option(help: "Another listener on the same chain with its own fault profile, host:port (view_listen; repeatable).")
    public var viewListen: [String] = []
    /// `--block-interval-ms` (key `block_interval_ms`): milliseconds between blocks, 0 = on demand.
    @Option(help: "Milliseconds between blocks; 0 = only on POST /admin/produce (block_interval_ms; default 3000).")
    public var blockIntervalMs: String?
    /// `--state-file` (key `state_file`): the JSON state kept across restarts.
    @Option(help: "State file (JSON), kept across restarts (state_file).")
    public var stateFile: String?
    /// `--genesis` (key `genesis_file`): a JSON file of accounts funded at genesis.
    @Option(help: "Genesis file: {\"accounts\": [{\"address\", \"trx_sun\", \"usdt_units\"}]} (genesis_file).")
    public var genesis: String?
    /// `--fund`, repeatable (key `fund`): ADDRESS:TRX_SUN:USDT_UNITS funded at genesis.
    @Option(help: "Fund an account at genesis: ADDRESS:TRX_SUN:USDT_UNITS (fund; repeatable).")
    public var fund: [String] = []
    /// `--energy-fee` (key `energy_fee`): sun per energy.
    @Option(help: "Sun per energy, getEnergyFee (energy_fee; default 100).")
    public var energyFee: String?
    /// `--solid-lag` (key `solid_lag`): blocks behind the head that are solid.
    @Option(help: "Blocks behind the head that are solid (solid_lag; default 18).")
    public var solidLag: String?
    /// `--unfreeze-delay-seconds` (key `unfreeze_delay_seconds`): seconds from unstaking to withdrawal.
    @Option(help: "Seconds from unstaking to withdrawal (unfreeze_delay_seconds; default 1209600, 14 days).")
    public var unfreezeDelaySeconds: String?
    /// `--total-energy-limit` (key `total_energy_limit`): energy all stake shares per day.
    @Option(help: "Energy shared by all stake per day (total_energy_limit; default 180000000000).")
    public var totalEnergyLimit: String?
    /// `--total-net-limit` (key `total_net_limit`): bandwidth all stake shares per day.
    @Option(help: "Bandwidth shared by all stake per day (total_net_limit; default 43200000000).")
    public var totalNetLimit: String?
    /// `--free-net-limit` (key `free_net_limit`): free bandwidth per account per day.
    @Option(help: "Free bandwidth per account per day, bytes (free_net_limit; default 600).")
    public var freeNetLimit: String?
    /// `--other-energy-weight` (key `other_energy_weight`): whole TRX staked for energy outside the devnet.
    @Option(help: "Whole TRX staked for energy outside the devnet (other_energy_weight; default 10000000000).")
    public var otherEnergyWeight: String?
    /// `--other-net-weight` (key `other_net_weight`): whole TRX staked for bandwidth outside the devnet.
    @Option(help: "Whole TRX staked for bandwidth outside the devnet (other_net_weight; default 10000000000).")
    public var otherNetWeight: String?
    /// `--faults` (key `faults_file`): the main listener's fault profile as JSON.
    @Option(help: "Faults file (JSON, the shape of GET /admin/faults) (faults_file).")
    public var faults: String?
    /// `--lookup-mode` (key `faults.lookup_mode`): honest, lagging or lying.
    @Option(help: "Main listener's lookups: honest, lagging, lying (faults.lookup_mode).")
    public var lookupMode: String?
    /// `--lag-blocks` (key `faults.lag_blocks`): how long lagging lookups answer `{}`, in blocks.
    @Option(help: "Main listener, lookup mode lagging: blocks after inclusion answering {} (faults.lag_blocks).")
    public var lagBlocks: String?
    /// `--clock-offset-ms` (key `faults.clock_offset_ms`): milliseconds added to served block timestamps.
    @Option(help: "Main listener: milliseconds added to served block timestamps (faults.clock_offset_ms).")
    public var clockOffsetMs: String?
    /// `--refuse-rebroadcast-code` (key `faults.refuse_rebroadcast_code`): the code refusing a rebroadcast.
    @Option(help: "Main listener: refuse a rebroadcast with this code, e.g. SIGERROR (faults.refuse_rebroadcast_code).")
    public var refuseRebroadcastCode: String?
    /// `--log-level` (key `log.level`).
    @Option(help: "Log level (log.level; default info).")
    public var logLevel: String?

    /// The flags given, keyed by the configuration key they override (a repeated flag's values joined by commas,
    /// the list form the configuration source reads). Flags not given are absent.
    public var overrides: [String: String] {
        let single: [String: String?] = [
            "listen": listen, "block_interval_ms": blockIntervalMs, "state_file": stateFile, "genesis_file": genesis,
            "energy_fee": energyFee, "solid_lag": solidLag, "unfreeze_delay_seconds": unfreezeDelaySeconds,
            "total_energy_limit": totalEnergyLimit, "total_net_limit": totalNetLimit, "free_net_limit": freeNetLimit,
            "other_energy_weight": otherEnergyWeight, "other_net_weight": otherNetWeight, "faults_file": faults,
            "faults.lookup_mode": lookupMode,
            "faults.lag_blocks": lagBlocks, "faults.clock_offset_ms": clockOffsetMs,
            "faults.refuse_rebroadcast_code": refuseRebroadcastCode, "log.level": logLevel,
        ]
        var overrides = single.compactMapValues { $0 }
        if !viewListen.isEmpty { overrides["view_listen"] = viewListen.joined(separator: ",") }
        if !fund.isEmpty { overrides["fund"] = fund.joined(separator: ",") }
        return overrides
    }

    /// No flags given.
    public init() {}
}
