import ArgumentParser
import Foundation
import Logging
import PaymentStore
import PaymentStorePostgres

struct LedgerCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger", abstract: "Move a ledger between stores.", subcommands: [Copy.self])

    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a SQLite ledger into an empty PostgreSQL ledger, all of it or nothing, verified by counts.",
            discussion: """
                Stop payment-rpc on the SQLite ledger first: the copy reads one snapshot, and what is written after \\
                it is not copied. The target database is migrated, then filled in one transaction; a target that \\
                holds any payout, key or breaker row is refused.
                """)

        @Option(name: .long, help: "The source: sqlite:PATH.")
        var from: String

        @Option(name: .long, help: "The target: postgres://USER@HOST[:PORT]/DATABASE (no password in the URL).")
        var to: String

        @Option(name: .long, help: "A file holding the target's password.")
        var passwordFile: String?

        @Option(name: .long, help: "TLS to the target: disable or require.")
        var tls: String = "disable"

        @Flag(name: .long, help: "No progress bar.")
        var quiet = false

        func run() async throws {
            guard from.hasPrefix("sqlite:") else { throw ValidationError("--from must be sqlite:PATH") }
            let path = String(from.dropFirst("sqlite:".count))
            guard FileManager.default.fileExists(atPath: path) else {
                throw ValidationError("--from: \(path) does not exist")
            }
            var settings: PostgresSettings
            do {
                let parts = try PostgresSettings.parse(url: to)
                settings = PostgresSettings(
                    host: parts.host, port: parts.port, username: parts.username, database: parts.database,
                    poolSize: 2, instanceName: "payctl ledger copy")
            } catch {
                throw ValidationError("--to \(error.description)")
            }
            guard let mode = PostgresSettings.TLSMode(rawValue: tls) else {
                throw ValidationError("--tls must be disable or require")
            }
            settings.tls = mode
            if let passwordFile {
                do {
                    settings.password = try PostgresSettings.readPasswordFile(passwordFile)
                } catch {
                    throw ValidationError("--password-file: \(error.description)")
                }
            }
            var logger = Logger(label: "payctl.ledger")
            logger.logLevel = .warning
            let source = try SQLiteLedger(path: path, logger: logger)
            defer { try? source.close() }
            let bar = ProgressBar(enabled: !quiet)
            do {
                let counts = try await LedgerCopy.copy(
                    from: try source.export(), to: settings, logger: logger,
                    progress: { table, done, total in bar.show(table, done, total) })
                bar.finish()
                for count in counts {
                    print("verified \(count.table): \(count.source) rows copied, \(count.target) in the target")
                }
                print("copied \(path) to \(settings.redactedURL)")
            } catch {
                bar.finish()
                FileHandle.standardError.write(Data("payctl ledger copy: \(error); nothing was copied\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}

/// A one-line progress bar on stderr (only when stderr is a terminal, unless forced).
final class ProgressBar: Sendable {
    let enabled: Bool

    init(enabled: Bool) { self.enabled = enabled && isatty(STDERR_FILENO) == 1 }

    func show(_ label: String, _ done: Int, _ total: Int) {
        guard enabled else { return }
        let width = 30
        let filled = total == 0 ? width : min(width, done * width / max(total, 1))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        FileHandle.standardError.write(
            Data("\r\(label.padding(toLength: 20, withPad: " ", startingAt: 0)) [\(bar)] \(done)/\(total)\u{1B}[K".utf8)
        )
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
