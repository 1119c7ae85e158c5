import ArgumentParser
import Foundation
import PayCtlCommands
import PaymentRPC
import ServerCommands
import ServerSupport

/// One binary for the payment-rpc image: payment-rpc, or payctl when started under that name (a link), so the image
/// does not carry a second copy of the statically linked Swift runtime.
@main
enum PaymentRPCMain {
    static func main() async {
        if PayCtl.isCalledAsPayCtl() {
            await PayCtl.main()
        } else {
            await PaymentRPCCommand.main()
        }
    }
}

struct PaymentRPCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payment-rpc",
        abstract: "The USDT-TRC20 payout server (gRPC).",
        subcommands: [Serve.self, CheckConfig.self, Migrate.self, HealthcheckCommand<PaymentRPCAdmin>.self],
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

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the ledger's schema migrations and apply the pending ones (PostgreSQL or SQLite).",
        discussion: """
            Startup applies pending migrations too; run this as a deploy step before starting new instances, or with \
            --list to see where a ledger stands. A ledger migrated by a newer payment-rpc is refused.
            """)

    @Option(name: .long, help: "A YAML configuration file; PAYMENT_RPC_* environment variables override it.")
    var config: String?

    @Flag(name: .long, help: "Only show the migrations; apply nothing.")
    var list = false

    func run() async throws {
        let loaded = Startup.orExit(program: "payment-rpc") {
            try PaymentRPCConfig.load(file: config, environment: ProcessInfo.processInfo.environment)
        }
        do {
            for line in try await LedgerMigrations.run(config: loaded, apply: !list) { print(line) }
        } catch {
            FileHandle.standardError.write(Data("payment-rpc migrate: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// payment-rpc's admin port by default (`admin.listen`).
enum PaymentRPCAdmin: AdminPortDefault {
    static let adminAddress = "127.0.0.1:9090"
}
