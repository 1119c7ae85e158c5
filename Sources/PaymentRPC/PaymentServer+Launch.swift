import Logging
import PaymentCore
import ServerSupport
import TronKit
import TronWallet

extension PaymentServer {
    /// payment-rpc's `serve` command: loads the configuration (file, then `PAYMENT_RPC_*`), the hot-wallet key
    /// when the processor is on, bootstraps logging and metrics, and runs until SIGTERM/SIGINT. A configuration
    /// or key error stops the process with exit code 2 and one line naming the setting.
    public static func launch(configFile: String?, environment: [String: String]) async throws {
        let program = "payment-rpc"
        let config = Startup.orExit(program: program) {
            try PaymentRPCConfig.load(file: configFile, environment: environment)
        }
        var walletKey: TronPrivateKey?
        // The processor needs the key; TreasuryService uses it whenever one is configured, processor or not.
        let keyConfigured =
            config.walletKeyFile != nil || !(environment[WalletKey.environmentVariable] ?? "").isEmpty
        if config.processorEnabled || keyConfigured {
            walletKey = Startup.orExit(program: program) {
                try WalletKey.load(config: config, environment: environment)
            }
        }
        let registry = Observability.bootstrap(logLevel: Logger.Level(rawValue: config.logLevel) ?? .info)
        let logger = Logger(label: program)
        for warning in config.configWarnings { logger.warning("\(warning)") }
        let clock = config.wallClock
        if clock is ScaledWallClock {
            logger.notice(
                "development clock", metadata: ["now": "\(clock.now())", "rate": "\(config.developmentClockRate)"])
        }
        try await PaymentServer(config: config, walletKey: walletKey, clock: clock, registry: registry, logger: logger)
            .run()
    }
}

extension PaymentRPCConfig {
    /// The line `payment-rpc check-config` prints for a valid configuration: where it serves and on what network.
    public var summary: String {
        let grpc =
            environment.requiresSidecar ? "unix:\(grpcUnixSocket ?? "-") only" : "\(grpcListen) (unauthenticated TCP)"
        let proxy = nodeProxy.map { ", node proxy \($0)" } ?? ""
        return
            "configuration OK: grpc \(grpc), admin \(adminListen), network \(network.rawValue), environment \(environment.rawValue)"
            + proxy
    }
}
