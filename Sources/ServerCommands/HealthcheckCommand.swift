import ArgumentParser
import ServerSupport

/// Where a program's admin port listens by default, for its `healthcheck` subcommand.
public protocol AdminPortDefault {
    /// The program's default `admin.listen`, host:port.
    static var adminAddress: String { get }
}

/// `PROGRAM healthcheck [--admin host:port] [--probe ready|live]`: exits 0 when the running program's admin port
/// answers 200 on `/ready` (or `/live`), 1 otherwise, 2 for a bad address. Container images have no curl, so this
/// is their health check. `live` suits a liveness probe: `/ready` of payment-rpc is 503 while its breaker is open,
/// and a restart would not close it.
public struct HealthcheckCommand<Default: AdminPortDefault>: AsyncParsableCommand {
    /// Which admin route the check asks.
    public enum Probe: String, ExpressibleByArgument, CaseIterable, Sendable {
        /// `/ready`: the program can serve (the default).
        case ready
        /// `/live`: the process answers.
        case live
    }

    /// The subcommand's name and help.
    public static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "healthcheck",
            abstract:
                "Exit 0 when the admin port's /ready (or /live) answers 200, 1 otherwise (for images without curl).")
    }

    /// The admin address, host:port.
    @Option(name: .long, help: "The admin address, host:port.")
    public var admin: String = Default.adminAddress

    /// The route to ask.
    @Option(name: .long, help: "ready (the default) or live.")
    public var probe: Probe = .ready

    /// Makes the command (ArgumentParser fills it from the arguments).
    public init() {}

    /// Asks the admin port once, with a 3 s timeout.
    public func run() async throws {
        guard let address = HostPort(parsing: admin) else { throw ValidationError("--admin takes host:port") }
        guard await ReadinessProbe.answersOK(admin: address, path: "/\(probe.rawValue)") else { throw ExitCode(1) }
    }
}
