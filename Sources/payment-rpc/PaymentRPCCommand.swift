import ArgumentParser
import Foundation
import PaymentRPC
import ServerCommands
import ServerSupport

@main
struct PaymentRPCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payment-rpc",
        abstract: "The USDT-TRC20 payout server (gRPC).",
        subcommands: [Serve.self, CheckConfig.self, HealthcheckCommand<PaymentRPCAdmin>.self],
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

/// payment-rpc's admin port by default (`admin.listen`).
enum PaymentRPCAdmin: AdminPortDefault {
    static let adminAddress = "127.0.0.1:9090"
}
