import Foundation
import Logging
import PaymentStorePostgres

#if canImport(Glibc)
    import Glibc
#endif

/// A throwaway PostgreSQL cluster for this test process: Debian's initdb and pg_ctl in a temporary directory, on a
/// free loopback port, trust authentication, started on first use and stopped when the process exits. Each test
/// gets a database of its own. As root the server runs as the `postgres` user (initdb refuses root).
actor PostgresTestCluster {
    static let shared = PostgresTestCluster()

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private var port: Int?
    private var databases = 0

    /// A new empty database on the cluster, as ledger settings.
    func newDatabase(leaseSeconds: Int = 30) throws -> PostgresSettings {
        let port = try start()
        databases += 1
        let name = "t\(databases)_\(UUID().uuidString.prefix(8).lowercased())"
        try Self.run(
            Self.psql, ["-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "-q", "-c", "CREATE DATABASE \(name)"])
        return PostgresSettings(
            host: "127.0.0.1", port: port, username: "postgres", database: name, poolSize: 6,
            leaseSeconds: leaseSeconds, instanceName: "test")
    }

    /// Runs SQL on a test database with psql (for tampering with rows the ledger would never write).
    func psql(_ database: String, _ sql: String) throws -> String {
        let port = try start()
        return try Self.run(
            Self.psql, ["-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "-d", database, "-At", "-q", "-c", sql])
    }

    private func start() throws -> Int {
        if let port { return port }
        guard let bin = Self.binDirectory() else {
            throw Failure(
                description:
                    "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): apt-get install postgresql")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let data = directory.appendingPathComponent("data").path
        let asRoot = geteuid() == 0
        if geteuid() == 0 {
            guard let user = getpwnam("postgres") else {
                throw Failure(description: "running as root needs the postgres user (Debian's postgresql package)")
            }
            guard chown(directory.path, user.pointee.pw_uid, user.pointee.pw_gid) == 0 else {
                throw Failure(description: "cannot chown \(directory.path) to postgres")
            }
        }
        func command(_ program: String, _ arguments: [String]) throws {
            if !asRoot {
                _ = try Self.run("\(bin)/\(program)", arguments)
            } else {
                _ = try Self.run("/usr/sbin/runuser", ["-u", "postgres", "--", "\(bin)/\(program)"] + arguments)
            }
        }
        try command("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"])
        var lastError: (any Error)?
        for _ in 0..<5 {
            let port = try Self.freePort()
            do {
                try command(
                    "pg_ctl",
                    [
                        "-D", data, "-l", directory.appendingPathComponent("log").path, "-w", "-t", "30", "-o",
                        "-p \(port) -k \(directory.path) -c listen_addresses=127.0.0.1 -c fsync=off "
                            + "-c full_page_writes=off -c max_connections=300",
                        "start",
                    ])
                self.port = port
                Self.stopAtExit(data: data, bin: bin, root: directory.path, asRoot: asRoot)
                return port
            } catch {
                lastError = error
            }
        }
        throw lastError ?? Failure(description: "pg_ctl start failed")
    }

    static let psql = "/usr/bin/psql"

    static func binDirectory() -> String? {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap { Int($0) }
        for version in versions.sorted().reversed() {
            let bin = "\(root)/\(version)/bin"
            if FileManager.default.isExecutableFile(atPath: "\(bin)/initdb") { return bin }
        }
        return nil
    }

    /// Runs a program to its end with posix_spawn and waitpid. Its output goes to a file, not a pipe: `pg_ctl start`
    /// leaves the server running with the descriptors it inherited, so a pipe would never reach end-of-file (and
    /// Foundation's Process did not see `pg_ctl`'s exit here).
    @discardableResult
    static func run(_ program: String, _ arguments: [String]) throws -> String {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("pgcmd-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = ([program] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, program, &actions, nil, argv, environ)
        guard spawned == 0 else { throw Failure(description: "cannot start \(program): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        // WIFEXITED and WEXITSTATUS: a normal exit with code 0.
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            throw Failure(description: "\(program) \(arguments.joined(separator: " ")) failed (\(status)): \(text)")
        }
        return text
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw Failure(description: "bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// What the exit handler runs: the stop command and the directory to remove (set once, before `atexit`).
    nonisolated(unsafe) private static var stopCommand: [String] = []
    nonisolated(unsafe) private static var clusterDirectory = ""

    private static func stopAtExit(data: String, bin: String, root: String, asRoot: Bool) {
        stopCommand =
            (asRoot ? ["/usr/sbin/runuser", "-u", "postgres", "--"] : [])
            + ["\(bin)/pg_ctl", "-D", data, "-m", "immediate", "stop"]
        clusterDirectory = root
        atexit {
            let command = PostgresTestCluster.stopCommand
            _ = try? PostgresTestCluster.run(command[0], Array(command.dropFirst()))
            try? FileManager.default.removeItem(atPath: PostgresTestCluster.clusterDirectory)
        }
    }
}
