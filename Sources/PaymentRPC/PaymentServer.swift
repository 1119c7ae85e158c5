import AsyncHTTPClient
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Hummingbird
import Logging
import PaymentAPI
import PaymentCore
import PaymentStore
import PaymentStorePostgres
import Prometheus
import ServiceLifecycle
import TronKit
import TronNode

/// payment-rpc assembled: the ledger, the breaker, the gRPC listeners and the admin HTTP port, run as one
/// `ServiceGroup` that shuts down gracefully on SIGTERM/SIGINT (in-flight RPCs finish, then the ledger closes).
public struct PaymentServer: Sendable {
    /// The validated configuration the server runs with.
    public let config: PaymentRPCConfig
    /// The wall clock for limit windows, schedules, the breaker and the processor (`config.wallClock` in
    /// payment-rpc).
    public let clock: any WallClock
    /// What /metrics serves; nil serves an empty /metrics (tests that bootstrap no metrics system).
    public let registry: PrometheusCollectorRegistry?
    /// The logger handed to every service and the ledger.
    public let logger: Logger
    /// The hot-wallet key; required when the processor is enabled.
    let walletKey: TronPrivateKey?

    /// A server that `run()` starts; nothing is opened or bound here. Without `walletKey`, `run()` refuses
    /// `processor.enabled` (ConfigError naming `wallet.key_file`).
    public init(
        config: PaymentRPCConfig, walletKey: TronPrivateKey? = nil, clock: any WallClock = SystemWallClock(),
        registry: PrometheusCollectorRegistry? = nil, logger: Logger
    ) {
        self.config = config
        self.walletKey = walletKey
        self.clock = clock
        self.registry = registry
        self.logger = logger
    }

    /// The gRPC services of a server over `ledger`.
    /// Health/Check answers from `storeHealth` (what its probe last saw) and the breaker, without a query per call.
    public static func services(
        config: PaymentRPCConfig, ledger: any PayoutLedger, storeHealth: StoreHealth, clock: any WallClock,
        chainHead: ChainHead = ChainHead(), outflow: OutflowWaiting = OutflowWaiting(),
        fees: FeeWaiting = FeeWaiting(), logger: Logger
    ) async throws -> (services: [any RegistrableRPCService], breaker: BreakerController) {
        let breaker = try await BreakerController(policy: config.breaker, ledger: ledger, clock: clock, logger: logger)
        let desk = PayoutDesk(
            ledger: ledger, policy: config.payoutPolicy, limits: config.limits, breaker: breaker, clock: clock)
        let health = HealthService(
            services: ["lucid.payment.v1.PaymentService", "lucid.payment.v1.AdminService"],
            readiness: { storeHealth.current.ok })
        let services: [any RegistrableRPCService] = [
            PaymentService(
                desk: desk, chainHead: chainHead, metrics: PaymentMetrics(), outflow: outflow, fees: fees,
                logger: logger),
            AdminService(breaker: breaker, authorization: AdminAuthorization(config: config)),
            health,
        ]
        return (services, breaker)
    }

    /// The interceptors every gRPC server of `config` runs: identity checks (`IdentityInterceptor`).
    public static func interceptors(config: PaymentRPCConfig) -> [any ServerInterceptor] {
        [IdentityInterceptor(requireIdentity: config.environment.requiresSidecar), RequestConstraintsInterceptor()]
    }

    /// Runs until SIGTERM/SIGINT, on the PostgreSQL ledger when `store.postgres_url` is set, else on SQLite.
    public func run() async throws {
        if let postgres = config.postgres {
            try await PostgresLedger.withLedger(postgres, logger: logger) { ledger in
                let wakeup = ProcessorWakeup()
                try await serve(
                    ledger: ledger,
                    storeServices: config.processorEnabled ? [DuePayoutListener(ledger: ledger, wakeup: wakeup)] : [],
                    wakeup: wakeup)
            }
            logger.info("ledger closed")
            logger.info("payment-rpc stopped")
            return
        }
        let directory = URL(fileURLWithPath: config.sqlitePath).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let ledger = try SQLiteLedger(path: config.sqlitePath, logger: logger)
        defer {
            do {
                try ledger.close()
                logger.info("ledger closed")
            } catch {
                logger.error("ledger did not close cleanly", metadata: ["error": "\(error)"])
            }
        }
        try await serve(
            ledger: ledger, storeServices: [LedgerCheckpointer(ledger: ledger, logger: logger)], wakeup: nil)
        logger.info("payment-rpc stopped")
    }

    /// The services over an open ledger, with the store's own (`storeServices`), until SIGTERM/SIGINT.
    func serve(ledger: any ProcessingLedger, storeServices: [any Service], wakeup: ProcessorWakeup?) async throws {
        let chainHead = ChainHead()
        let outflow = OutflowWaiting()
        let fees = FeeWaiting()
        // Probed once before anything listens, then every second; an answer older than 5 s counts as down.
        let storeHealth = StoreHealth(staleAfter: .seconds(5))
        await storeHealth.probe(ledger)
        let (services, breaker) = try await Self.services(
            config: config, ledger: ledger, storeHealth: storeHealth, clock: clock, chainHead: chainHead,
            outflow: outflow, fees: fees, logger: logger)

        var runnable: [ServiceGroupConfiguration.ServiceConfiguration] = []
        let walletHealth = HotWalletHealth()
        let admin = Application(
            router: AdminHTTP.router(
                storeHealth: storeHealth, breaker: breaker, walletHealth: walletKey != nil ? walletHealth : nil,
                registry: registry),
            configuration: .init(address: config.adminListen.bindAddress),
            logger: logger)
        runnable.append(.init(service: admin))
        runnable += storeServices.map { .init(service: $0) }
        runnable.append(
            .init(service: StoreHealthProbe(health: storeHealth, ledger: ledger, interval: .seconds(1), logger: logger))
        )
        runnable.append(
            .init(
                service: MetricsRefresher(
                    ledger: ledger, breaker: breaker, metrics: PaymentMetrics(), interval: .seconds(5), logger: logger))
        )

        // With `tron.proxy` the node clients share an HTTP client of their own that lives as long as the services;
        // without it they use HTTPClient.shared, as before.
        try await TronNodeClient.withHTTPClient(
            proxy: config.processorEnabled || walletKey != nil ? config.nodeProxy : nil, logger: logger
        ) {
            http in
            var services = services
            var processor: PayoutProcessor?
            if config.processorEnabled {
                guard let walletKey else {
                    throw ConfigError(key: "wallet.key_file", "is required when processor.enabled is true")
                }
                let payouts = try self.processor(
                    ledger: ledger, key: walletKey, breaker: breaker, chainHead: chainHead, outflow: outflow,
                    fees: fees, wakeup: wakeup, http: http)
                runnable.append(.init(service: payouts))
                processor = payouts
            }
            // The treasury signs with the same key, through the same nodes, under the processor's rules; without a
            // key its calls are FAILED_PRECONDITION naming wallet.key_file.
            var desk: TreasuryDesk?
            if let walletKey {
                let node = TronNodeClient(configuration: nodeConfiguration(), http: http, logger: logger)
                let settings = processorSettings()
                let deskSettings = treasurySettings(settings)
                desk = TreasuryDesk(
                    ledger: ledger, node: node, key: walletKey, settings: deskSettings, breaker: breaker, clock: clock,
                    logger: logger)
                runnable.append(
                    .init(
                        service: TreasuryFollower(
                            ledger: ledger, node: node, nodeName: network.solidityNodeURL,
                            crossChecks: processor?.crossChecks ?? crossCheckNodes(http: http), settings: settings,
                            clock: clock, firstSendGrace: .milliseconds(2 * config.nodeTimeoutMilliseconds),
                            logger: logger)))
                if let desk {
                    runnable.append(
                        .init(
                            service: HotWalletMonitor(
                                desk: desk, thresholds: config.treasury, health: walletHealth, logger: logger)))
                }
            }
            services.append(TreasuryService(desk: desk, authorization: .treasury(config: config)))
            runnable += try grpcListeners(services: services)

            let group = ServiceGroup(
                configuration: .init(services: runnable, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            let startLine: Logger.Message =
                config.environment.requiresSidecar
                ? "payment-rpc starting: gRPC only on the Unix socket, identity required"
                : "payment-rpc starting: development serves unauthenticated gRPC on TCP (anyone on this host can call it)"
            logger.info(
                startLine,
                metadata: [
                    "grpc": "\(config.environment.requiresSidecar ? "-" : "\(config.grpcListen)")",
                    "unix_socket": "\(config.grpcUnixSocket ?? "-")",
                    "admin": "\(config.adminListen)", "environment": "\(config.environment.rawValue)",
                    "network": "\(config.network.rawValue)",
                ])
            try await group.run()
        }
    }
}

extension PaymentServer {
    /// The network preset the configuration names, with its explicit overrides.
    var network: TronNetworkPreset {
        var preset = TronNetworkPreset(config.network)
        if let url = config.nodeURL {
            preset.fullNodeURL = url
            preset.solidityNodeURL = url
        }
        if let url = config.solidityURL { preset.solidityNodeURL = url }
        if let contract = config.usdtContract { preset.usdtContract = contract }
        return preset
    }

    func processor(
        ledger: any ProcessingLedger, key: TronPrivateKey, breaker: BreakerController, chainHead: ChainHead,
        outflow: OutflowWaiting = OutflowWaiting(), fees: FeeWaiting = FeeWaiting(), wakeup: ProcessorWakeup? = nil,
        http: HTTPClient
    ) throws -> PayoutProcessor {
        let network = self.network
        let nodeConfiguration = nodeConfiguration()
        let settings = processorSettings()
        let crossChecks = crossCheckNodes(http: http)
        logger.info(
            "TRON node",
            metadata: [
                "network": "\(network.network)", "node": "\(network.fullNodeURL)",
                "solidity": "\(network.solidityNodeURL)",
                "cross_check": "\(config.crossCheckURLs)", "proxy": "\(config.nodeProxy.map { "\($0)" } ?? "-")",
            ])
        if crossChecks.isEmpty, config.environment == .production {
            logger.warning("no tron.cross_check_urls: one node's answers alone decide that a transaction is dead")
        }
        return PayoutProcessor(
            ledger: ledger, node: TronNodeClient(configuration: nodeConfiguration, http: http, logger: logger),
            nodeName: network.solidityNodeURL, crossChecks: crossChecks, key: key, settings: settings,
            breaker: breaker, chainHead: chainHead, clock: clock, outflow: outflow, fees: fees, wakeup: wakeup,
            logger: logger)
    }

    /// The processor's settings from the configuration (also the treasury follower's).
    func processorSettings() -> ProcessorSettings {
        var settings = ProcessorSettings(usdtContract: network.usdtContract)
        settings.feeLimitSun = config.feeLimitSun
        settings.feeMarginPercent = config.feeMarginPercent
        settings.minTransferEnergy = config.minTransferEnergy
        settings.maxAttempts = config.processorMaxAttempts
        settings.expirationMilliseconds = config.processorExpirationMilliseconds
        settings.pollInterval = .milliseconds(config.processorPollMilliseconds)
        settings.clockToleranceMilliseconds = config.clockToleranceMilliseconds
        settings.outflowLimits = config.limits
        return settings
    }

    /// The cross-check nodes (`tron.cross_check_urls`) over `http`.
    func crossCheckNodes(http: HTTPClient) -> [CrossCheckNode] {
        config.crossCheckURLs.map { url in
            var checkConfiguration = TronNodeClient.Configuration(fullNodeURL: url, apiKey: config.apiKey)
            checkConfiguration.timeout = .milliseconds(config.nodeTimeoutMilliseconds)
            checkConfiguration.role = "cross_check"
            return CrossCheckNode(
                name: url, node: TronNodeClient(configuration: checkConfiguration, http: http, logger: logger))
        }
    }

    /// The primary node's client settings.
    func nodeConfiguration() -> TronNodeClient.Configuration {
        let network = self.network
        var configuration = TronNodeClient.Configuration(
            fullNodeURL: network.fullNodeURL, solidityNodeURL: network.solidityNodeURL, apiKey: config.apiKey)
        configuration.timeout = .milliseconds(config.nodeTimeoutMilliseconds)
        return configuration
    }

    /// The treasury's settings: the processor's fees and lifetime, the network's name.
    func treasurySettings(_ processor: ProcessorSettings) -> TreasuryDesk.Settings {
        var settings = TreasuryDesk.Settings(network: network.network.rawValue, usdtContract: processor.usdtContract)
        settings.expirationMilliseconds = processor.expirationMilliseconds
        settings.feeMarginPercent = processor.feeMarginPercent
        settings.minTransferEnergy = processor.minTransferEnergy
        settings.feeLimitSun = processor.feeLimitSun
        settings.signingEnabled = config.processorEnabled
        settings.minTRXSun = config.treasury.minTRXSun
        settings.step = processor.step
        return settings
    }
}
