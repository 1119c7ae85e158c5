import ArgumentParser
import Foundation
import Logging
import Metrics
import PaymentRPC
import Prometheus
import TronKit
import TronWallet

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@main
struct PaymentRPCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payment-rpc",
        abstract: "The USDT-TRC20 payout server (gRPC).",
        subcommands: [Serve.self, CheckConfig.self, Healthcheck.self],
        defaultSubcommand: Serve.self)
}

/// Loads the configuration or exits with the message naming the bad key.
func loadConfig(_ file: String?) -> PaymentRPCConfig {
    do {
        return try PaymentRPCConfig.load(file: file, environment: ProcessInfo.processInfo.environment)
    } catch {
        FileHandle.standardError.write(Data("payment-rpc: \(error)\n".utf8))
        Foundation.exit(2)
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server (the default).")

    @Option(name: .long, help: "A YAML configuration file; PAYMENT_RPC_* environment variables override it.")
    var config: String?

    func run() async throws {
        let settings = loadConfig(config)
        var walletKey: TronPrivateKey?
        if settings.processorEnabled {
            do {
                walletKey = try WalletKey.load(config: settings, environment: ProcessInfo.processInfo.environment)
            } catch {
                FileHandle.standardError.write(Data("payment-rpc: \(error)\n".utf8))
                Foundation.exit(2)
            }
        }
        let level = Logger.Level(rawValue: settings.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "payment-rpc")
        let clock = settings.wallClock
        if clock is ScaledWallClock {
            logger.notice(
                "development clock", metadata: ["now": "\(clock.now())", "rate": "\(settings.developmentClockRate)"])
        }
        let server = PaymentServer(
            config: settings, walletKey: walletKey, clock: clock, registry: registry, logger: logger)
        try await server.run()
    }
}

struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config", abstract: "Validate a configuration file (and the environment) and exit.")

    @Argument(help: "The YAML configuration file.")
    var file: String

    func run() throws {
        let settings = loadConfig(file)
        let grpc =
            settings.environment.requiresSidecar
            ? "unix:\(settings.grpcUnixSocket ?? "-") only" : "\(settings.grpcListen) (unauthenticated TCP)"
        print(
            "configuration OK: grpc \(grpc), admin \(settings.adminListen), network \(settings.network.rawValue), environment \(settings.environment.rawValue)"
        )
    }
}

struct Healthcheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Exit 0 when the server's /ready answers 200, 1 otherwise (for images without curl).")

    @Option(name: .long, help: "The admin address, host:port.")
    var admin: String = "127.0.0.1:9090"

    func run() async throws {
        guard let url = URL(string: "http://\(admin)/ready") else { throw ExitCode(2) }
        var request = URLRequest(url: url)
        request.timeoutInterval = 3
        do {
            let (_, response) = try await URLSession.shared.data(for: request)
            guard (response as? HTTPURLResponse)?.statusCode == 200 else { throw ExitCode(1) }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw ExitCode(1)
        }
    }
}
