import ArgumentParser
import Foundation
import Logging
import ServerSupport
import TronDevnet

@main
struct TronDevnetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tron-devnet",
        abstract: "A local TRON full-node stand-in: the HTTP API payment-rpc and tronpy use, a USDT ledger, faults.",
        discussion: """
            Settings come from --config (YAML), then TRON_DEVNET_* variables, then the flags below (each names its \
            key). Faults are set per listener: the flags below set the main listener's, and POST /admin/faults on a \
            listener's port replaces that listener's profile (JSON keys: http_error_rate, timeout_rate, \
            timeout_seconds, drop_broadcast_rate, inclusion_delay_blocks, revert_recipients (main listener only), \
            lookup_mode (honest|lagging|lying), lag_blocks, lag_solidity, clock_offset_ms, refuse_rebroadcast_code). \
            Each --view-listen is another listener on the same in-memory chain, starting honest: a cross-check node, \
            or a lagging or lying node next to an honest one.
            """)

    @OptionGroup var options: DevnetOptions

    func run() async throws {
        let settings = Startup.orExit(program: "tron-devnet") {
            try DevnetConfig.load(
                file: options.config, environment: ProcessInfo.processInfo.environment, overrides: options.overrides)
        }
        _ = Observability.bootstrap(logLevel: settings.logLevel)
        let logger = Logger(label: "tron-devnet")
        let server = Startup.orExit(program: "tron-devnet") { try DevnetServer(config: settings, logger: logger) }
        try await server.run()
    }
}
