import ArgumentParser
import Foundation
import PaymentRPC
import ServerSupport

@main
struct PaymentRPCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payment-rpc",
        abstract: "The USDT-TRC20 payout server (gRPC).",
        subcommands: [Serve.self, CheckConfig.self, Healthcheck.self],
        defaultSubcommand: Serve.self)
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server (the default).")

    @Option(name: .long, help: "A YAML configuration file; PAYMENT_RPC_* environment variables override it.")
    var config: String?

    func run() async throws {
        try await PaymentServer.launch(configFile: config, environment: ProcessInfo.processInfo.environment)
    }
}

struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config", abstract: "Validate a configuration file (and the environment) and exit.")

    @Argument(help: "The YAML configuration file.")
    var file: String

    func run() throws {
        let config = Startup.orExit(program: "payment-rpc") {
            try PaymentRPCConfig.load(file: file, environment: ProcessInfo.processInfo.environment)
        }
        for warning in config.configWarnings { print("warning: \(warning)") }
        print(config.summary)
    }
}

struct Healthcheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Exit 0 when the server's /ready answers 200, 1 otherwise (for images without curl).")

    @Option(name: .long, help: "The admin address, host:port.")
    var admin: String = "127.0.0.1:9090"

    func run() async throws {
        guard let address = HostPort(parsing: admin) else { throw ValidationError("--admin takes host:port") }
        guard await ReadinessProbe.isReady(admin: address) else { throw ExitCode(1) }
    }
}
