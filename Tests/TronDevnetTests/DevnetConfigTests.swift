import Foundation
import ServerSupport
import Testing
import TronDevnet
import TronKit

@Suite("tron-devnet configuration: flags, file and environment")
struct DevnetConfigTests {
    static let alice = "TE2vQGQiihnDQ2qSi4guvFs2QXw3W3Nxrp"
    static let bob = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"

    /// Parses `arguments` as tron-devnet's flags and loads the configuration they give.
    func load(_ arguments: [String], file: String? = nil, environment: [String: String] = [:]) throws
        -> DevnetConfig
    {
        let options = try DevnetOptions.parse(arguments)
        return try DevnetConfig.load(
            file: file ?? options.config, environment: environment, overrides: options.overrides)
    }

    /// The ConfigError `arguments` give.
    func failure(_ arguments: [String], environment: [String: String] = [:]) -> ConfigError? {
        do {
            _ = try load(arguments, environment: environment)
            return nil
        } catch {
            return error as? ConfigError
        }
    }

    func temporaryFile(_ text: String, _ name: String = "devnet.yaml") throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("devnet-config-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("no flags: the defaults (127.0.0.1:8090, 3 s blocks, solid lag 18, no funds, honest)")
    func defaults() throws {
        let config = try load([])
        #expect(config.listen == HostPort(host: "127.0.0.1", port: 8090) && config.viewListen.isEmpty)
        #expect(config.blockIntervalMilliseconds == 3_000 && config.solidLag == 18 && config.energyFee == 100)
        #expect(config.genesis.isEmpty && config.stateFile == nil && config.faults == DevnetFaults())
        #expect(config.logLevel == .info)
    }

    @Test("the flags the end-to-end tests pass set their keys")
    func flags() throws {
        let config = try load([
            "--listen", "127.0.0.1:18090", "--view-listen", "127.0.0.1:18091", "--view-listen", "[::1]:18092",
            "--block-interval-ms", "300", "--state-file", "/tmp/devnet.json", "--log-level", "warning",
            "--fund", "\(Self.alice):100:200", "--fund", "\(Self.bob):0:5", "--solid-lag", "6", "--energy-fee", "420",
            "--lookup-mode", "lagging", "--lag-blocks", "4", "--clock-offset-ms=-90000",
            "--refuse-rebroadcast-code", "SIGERROR",
        ])
        #expect(config.listen == HostPort(host: "127.0.0.1", port: 18_090))
        #expect(config.viewListen == [HostPort(host: "127.0.0.1", port: 18_091), HostPort(host: "::1", port: 18_092)])
        #expect(config.blockIntervalMilliseconds == 300 && config.stateFile == "/tmp/devnet.json")
        #expect(config.logLevel == .warning && config.solidLag == 6 && config.energyFee == 420)
        #expect(
            config.genesis == [
                GenesisAccount(address: Self.alice, trxSun: 100, usdtUnits: 200),
                GenesisAccount(address: Self.bob, trxSun: 0, usdtUnits: 5),
            ])
        #expect(config.faults.lookupMode == .lagging && config.faults.lagBlocks == 4)
        #expect(config.faults.clockOffsetMilliseconds == -90_000 && config.faults.refuseRebroadcastCode == "SIGERROR")
        #expect(try load(["--refuse-rebroadcast-code", ""]).faults.refuseRebroadcastCode == nil)
    }

    @Test("a YAML file with dotted keys, under TRON_DEVNET_ variables, under flags")
    func layers() throws {
        let file = try temporaryFile(
            """
            listen: 127.0.0.1:7000
            view_listen: [127.0.0.1:7001, 127.0.0.1:7002]
            block_interval_ms: 0
            fund: ["\(Self.alice):1:2"]
            faults:
              lookup_mode: lying
              clock_offset_ms: -500
            log:
              level: debug
            """)
        let fromFile = try load(["--config", file])
        #expect(fromFile.listen.port == 7_000 && fromFile.viewListen.map(\.port) == [7_001, 7_002])
        #expect(fromFile.blockIntervalMilliseconds == 0 && fromFile.genesis.count == 1)
        #expect(fromFile.faults.lookupMode == .lying && fromFile.faults.clockOffsetMilliseconds == -500)
        #expect(fromFile.logLevel == .debug)
        let layered = try load(
            ["--config", file, "--listen", "127.0.0.1:9000"],
            environment: ["TRON_DEVNET_LISTEN": "127.0.0.1:8000", "TRON_DEVNET_FAULTS_LOOKUP_MODE": "honest"])
        #expect(layered.listen.port == 9_000, "a flag wins over the environment")
        #expect(layered.faults.lookupMode == .honest, "the environment wins over the file")
    }

    @Test(
        "a bad --fund is refused, naming the key and the entry",
        arguments: [
            "nocolons", "\(alice):1", "\(alice):x:2", "\(alice):1:2:3", "\(alice):-1:2", "\(alice)::2",
            "Tnotanaddress:1:2",
        ])
    func badFund(entry: String) throws {
        let error = try #require(failure(["--fund", "\(Self.alice):1:1", "--fund", entry]))
        #expect(error.key == "fund")
        #expect(error.description.contains(entry))
    }

    @Test(
        "bad values name their key",
        arguments: [
            (["--listen", "8090"], "listen"), (["--view-listen", "127.0.0.1:x"], "view_listen"),
            (["--block-interval-ms=-1"], "block_interval_ms"), (["--solid-lag", "many"], "solid_lag"),
            (["--energy-fee=-5"], "energy_fee"), (["--lookup-mode", "sometimes"], "faults.lookup_mode"),
            (["--lag-blocks=-1"], "faults.lag_blocks"), (["--clock-offset-ms", "soon"], "faults.clock_offset_ms"),
            (["--log-level", "loud"], "log.level"), (["--genesis", "/nonexistent/genesis.json"], "genesis_file"),
            (["--faults", "/nonexistent/faults.json"], "faults_file"),
        ])
    func badValues(arguments: [String], key: String) {
        #expect(failure(arguments)?.key == key)
    }

    @Test("an unknown TRON_DEVNET_ variable is refused by name; other variables are ignored")
    func unknownVariable() throws {
        #expect(failure([], environment: ["TRON_DEVNET_LISTN": "127.0.0.1:1"])?.key == "TRON_DEVNET_LISTN")
        #expect(try load([], environment: ["TRON_PRO_API_KEY": "x", "HOME": "/root"]).listen.port == 8_090)
    }

    @Test("genesis and faults files: read, then --fund adds and the fault flags override")
    func files() throws {
        let genesis = try temporaryFile(
            "{\"accounts\": [{\"address\": \"\(Self.bob)\", \"trx_sun\": 7, \"usdt_units\": 8}]}", "genesis.json")
        let faults = try temporaryFile(
            "{\"lookup_mode\": \"lagging\", \"lag_blocks\": 9, \"timeout_rate\": 0.5}", "f.json")
        let config = try load([
            "--genesis", genesis, "--fund", "\(Self.alice):1:2", "--faults", faults, "--lag-blocks", "3",
        ])
        #expect(config.genesis.map(\.address) == [Self.bob, Self.alice] && config.genesis[0].usdtUnits == 8)
        #expect(
            config.faults.lookupMode == .lagging && config.faults.lagBlocks == 3 && config.faults.timeoutRate == 0.5)
        let broken = try temporaryFile("{\"lookup_mode\": \"sometimes\"}", "bad.json")
        let error = try #require(failure(["--faults", broken]))
        #expect(error.key == "faults_file" && error.problem.contains("lookup_mode"))
    }

    @Test("every key is documented, and every flag's key is declared")
    func schema() throws {
        #expect(DevnetConfig.schema.keys.allSatisfy { !$0.summary.isEmpty })
        var options = DevnetOptions()
        options.listen = "a"
        options.blockIntervalMs = "1"
        options.stateFile = "s"
        options.genesis = "g"
        options.energyFee = "1"
        options.solidLag = "1"
        options.unfreezeDelaySeconds = "1"
        options.totalEnergyLimit = "1"
        options.totalNetLimit = "1"
        options.freeNetLimit = "1"
        options.otherEnergyWeight = "1"
        options.otherNetWeight = "1"
        options.faults = "f"
        options.lookupMode = "honest"
        options.lagBlocks = "1"
        options.clockOffsetMs = "1"
        options.refuseRebroadcastCode = "X"
        options.logLevel = "info"
        options.viewListen = ["v"]
        options.fund = ["f"]
        #expect(options.overrides.count == DevnetConfig.schema.keys.count)
        #expect(options.overrides.keys.allSatisfy(DevnetConfig.schema.declares))
    }
}
