import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TronDevnet

@main
struct TronDevnetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tron-devnet",
        abstract: "A local TRON full-node stand-in: the HTTP API payment-rpc and tronpy use, a USDT ledger, faults.",
        discussion: """
            Faults are set per listener: the flags below set the main listener's, and POST /admin/faults on a \
            listener's port replaces that listener's profile (JSON keys: http_error_rate, timeout_rate, \
            timeout_seconds, drop_broadcast_rate, inclusion_delay_blocks, revert_recipients (main listener only), \
            lookup_mode (honest|lagging|lying), lag_blocks, lag_solidity, clock_offset_ms, refuse_rebroadcast_code). \
            Each --view-listen is another listener on the same in-memory chain, starting honest: a cross-check node, \
            or a lagging or lying node next to an honest one.
            """)

    @Option(help: "Listen address, host:port.") var listen = "127.0.0.1:8090"
    @Option(help: "Another listener on the same chain with its own fault profile, host:port (repeatable).")
    var viewListen: [String] = []
    @Option(help: "Milliseconds between blocks; 0 = only on POST /admin/produce.") var blockIntervalMs = 3_000
    @Option(help: "State file (JSON), kept across restarts.") var stateFile: String?
    @Option(help: "Genesis file: {\"accounts\": [{\"address\", \"trx_sun\", \"usdt_units\"}]}.") var genesis: String?
    @Option(help: "Fund an account at genesis: ADDRESS:TRX_SUN:USDT_UNITS (repeatable).") var fund: [String] = []
    @Option(help: "Sun per energy (getEnergyFee).") var energyFee: Int64 = 100
    @Option(help: "Blocks behind the head that are solid.") var solidLag: Int64 = 18
    @Option(help: "Faults file (JSON, the shape of GET /admin/faults).") var faults: String?
    @Option(help: "Main listener's lookups: honest, lagging (--lag-blocks after inclusion), lying (always {}).")
    var lookupMode: String?
    @Option(help: "Main listener: with --lookup-mode lagging, blocks after inclusion during which lookups answer {}.")
    var lagBlocks: Int64?
    @Option(help: "Main listener: milliseconds added to the timestamps of the block headers it serves (a clock ahead).")
    var clockOffsetMs: Int64?
    @Option(
        help: "Main listener: refuse a rebroadcast with this code (e.g. SIGERROR) instead of DUP_TRANSACTION_ERROR.")
    var refuseRebroadcastCode: String?
    @Option(help: "Log level.") var logLevel = "info"

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "tron-devnet")
        var config = DevnetConfig()
        config.blockIntervalMilliseconds = blockIntervalMs
        config.stateFile = stateFile
        config.energyFee = energyFee
        config.solidLag = solidLag
        if let genesis {
            struct Genesis: Decodable { var accounts: [GenesisAccount] }
            config.genesis = try JSONDecoder().decode(
                Genesis.self, from: Data(contentsOf: URL(fileURLWithPath: genesis))
            ).accounts
        }
        for entry in fund {
            let parts = entry.split(separator: ":")
            guard parts.count == 3, let trx = Int64(parts[1]), let usdt = Int64(parts[2]) else {
                throw ValidationError("--fund takes ADDRESS:TRX_SUN:USDT_UNITS, got \(entry)")
            }
            config.genesis.append(GenesisAccount(address: String(parts[0]), trxSun: trx, usdtUnits: usdt))
        }
        if let faults {
            config.faults = try JSONDecoder().decode(
                DevnetFaults.self, from: Data(contentsOf: URL(fileURLWithPath: faults)))
        }
        if let lookupMode {
            guard let mode = DevnetFaults.LookupMode(rawValue: lookupMode) else {
                throw ValidationError("--lookup-mode takes honest, lagging or lying, got \(lookupMode)")
            }
            config.faults.lookupMode = mode
        }
        if let lagBlocks {
            guard lagBlocks >= 0 else { throw ValidationError("--lag-blocks must be >= 0, got \(lagBlocks)") }
            config.faults.lagBlocks = lagBlocks
        }
        if let clockOffsetMs { config.faults.clockOffsetMilliseconds = clockOffsetMs }
        if let code = refuseRebroadcastCode { config.faults.refuseRebroadcastCode = code.isEmpty ? nil : code }
        let main = try Self.address(listen, flag: "--listen")
        let views = try viewListen.map { try Self.address($0, flag: "--view-listen") }
        let chain = try DevnetChain(config: config, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(
                service: Application(
                    router: DevnetHTTP.router(chain: chain), configuration: .init(address: main), logger: logger))
        ]
        for address in views {
            let view = DevnetView(chain: chain, faults: DevnetFaultProfile())
            services.append(
                .init(
                    service: Application(
                        router: DevnetHTTP.router(view: view), configuration: .init(address: address), logger: logger)))
        }
        services.append(.init(service: BlockProducer(chain: chain, logger: logger)))
        logger.info(
            "tron-devnet",
            metadata: [
                "listen": "\(listen)", "views": "\(viewListen.joined(separator: ","))", "head": "\(chain.headNumber)",
                "usdt": "\(config.usdtContract.base58)",
            ])
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    static func address(_ text: String, flag: String) throws -> BindAddress {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else {
            throw ValidationError("\(flag) takes host:port, got \(text)")
        }
        return .hostname(String(text[..<colon]), port: port)
    }
}
