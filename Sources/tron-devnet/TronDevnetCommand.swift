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
        abstract: "A local TRON full-node stand-in: the HTTP API payment-rpc and tronpy use, a USDT ledger, faults.")

    @Option(help: "Listen address, host:port.") var listen = "127.0.0.1:8090"
    @Option(help: "Milliseconds between blocks; 0 = only on POST /admin/produce.") var blockIntervalMs = 3_000
    @Option(help: "State file (JSON), kept across restarts.") var stateFile: String?
    @Option(help: "Genesis file: {\"accounts\": [{\"address\", \"trx_sun\", \"usdt_units\"}]}.") var genesis: String?
    @Option(help: "Fund an account at genesis: ADDRESS:TRX_SUN:USDT_UNITS (repeatable).") var fund: [String] = []
    @Option(help: "Sun per energy (getEnergyFee).") var energyFee: Int64 = 100
    @Option(help: "Blocks behind the head that are solid.") var solidLag: Int64 = 18
    @Option(help: "Faults file (JSON, the shape of GET /admin/faults).") var faults: String?
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
            config.genesis = try JSONDecoder().decode(Genesis.self, from: Data(contentsOf: URL(fileURLWithPath: genesis))).accounts
        }
        for entry in fund {
            let parts = entry.split(separator: ":")
            guard parts.count == 3, let trx = Int64(parts[1]), let usdt = Int64(parts[2]) else {
                throw ValidationError("--fund takes ADDRESS:TRX_SUN:USDT_UNITS, got \(entry)")
            }
            config.genesis.append(GenesisAccount(address: String(parts[0]), trxSun: trx, usdtUnits: usdt))
        }
        if let faults {
            config.faults = try JSONDecoder().decode(DevnetFaults.self, from: Data(contentsOf: URL(fileURLWithPath: faults)))
        }
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else {
            throw ValidationError("--listen takes host:port, got \(listen)")
        }
        let chain = try DevnetChain(config: config, logger: logger)
        let app = Application(
            router: DevnetHTTP.router(chain: chain),
            configuration: .init(address: .hostname(String(listen[..<colon]), port: port)), logger: logger)
        logger.info("tron-devnet", metadata: ["listen": "\(listen)", "head": "\(chain.headNumber)", "usdt": "\(config.usdtContract.base58)"])
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: app), .init(service: BlockProducer(chain: chain, logger: logger))],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
