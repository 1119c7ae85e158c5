import Hummingbird
import Logging
import ServiceLifecycle

/// tron-devnet's services on one chain: the main listener (with `config.faults`), one listener per `viewListen`
/// (honest until its `POST /admin/faults`), and the block producer. `run()` serves until SIGTERM or SIGINT and
/// persists the state file on the way out.
public struct DevnetServer: Sendable {
    /// The configuration the server was built from.
    public let config: DevnetConfig
    /// The chain every listener serves.
    public let chain: DevnetChain
    let logger: Logger

    /// Loads (or creates) the chain. Throws when the state file cannot be read or a genesis address is invalid.
    public init(config: DevnetConfig, logger: Logger) throws {
        self.config = config
        self.chain = try DevnetChain(config: config, logger: logger)
        self.logger = logger
    }

    /// The HTTP applications and the block producer, in the order they start.
    public func services() -> [any Service] {
        var services: [any Service] = [
            Application(
                router: DevnetHTTP.router(chain: chain), configuration: .init(address: config.listen.bindAddress),
                logger: logger)
        ]
        for address in config.viewListen {
            let view = DevnetView(chain: chain, faults: DevnetFaultProfile())
            services.append(
                Application(
                    router: DevnetHTTP.router(view: view), configuration: .init(address: address.bindAddress),
                    logger: logger))
        }
        services.append(BlockProducer(chain: chain, logger: logger))
        return services
    }

    /// Serves until SIGTERM or SIGINT.
    public func run() async throws {
        logger.info(
            "tron-devnet",
            metadata: [
                "listen": "\(config.listen)", "views": "\(config.viewListen.map(\.description).joined(separator: ","))",
                "head": "\(chain.headNumber)", "usdt": "\(config.usdtContract.base58)",
            ])
        let group = ServiceGroup(
            configuration: .init(
                services: services().map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }
}
