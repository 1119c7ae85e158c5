import Foundation
import NIOSSL
import PostgresNIO

/// Where the shared ledger is and how to reach it. Built from `store.postgres_*` settings; the password comes from
/// a file and never from the URL, so it is in no configuration file, environment listing or log line.
public struct PostgresSettings: Sendable {
    /// How the connection is protected.
    public enum TLSMode: String, Sendable, CaseIterable {
        /// Plain TCP (a loopback or a private network the operator trusts).
        case disable
        /// TLS with the server's certificate verified against the system roots or `caFile`, and its name.
        case require
    }

    /// The server host.
    public var host: String
    /// The server port.
    public var port: Int
    /// The role to connect as.
    public var username: String
    /// The database holding the ledger.
    public var database: String
    /// The password (read from `store.postgres_password_file`); nil for trust or peer authentication.
    public var password: String?
    /// How the connection is protected.
    public var tls: TLSMode
    /// PEM roots to verify the server with (`store.postgres_ca_file`); nil: the system's roots.
    public var caFile: String?
    /// Connections the pool keeps at most.
    public var poolSize: Int
    /// How long a processor's claim on a payout lasts without renewal.
    public var leaseSeconds: Int
    /// This instance's name in `processor_instances` (host and process id by default).
    public var instanceName: String

    /// Settings as `PostgresSettings.parse` makes them from a URL.
    public init(
        host: String, port: Int = 5432, username: String, database: String, password: String? = nil,
        tls: TLSMode = .disable, caFile: String? = nil, poolSize: Int = 10, leaseSeconds: Int = 30,
        instanceName: String = PostgresSettings.defaultInstanceName()
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.database = database
        self.password = password
        self.tls = tls
        self.caFile = caFile
        self.poolSize = poolSize
        self.leaseSeconds = leaseSeconds
        self.instanceName = instanceName
    }

    /// `host:pid`.
    public static func defaultInstanceName() -> String {
        "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// Why a URL or a password file cannot be used; the message names the part or the file.
    public struct URLProblem: Error, Sendable, CustomStringConvertible {
        /// What is wrong, without any secret.
        public var description: String
    }

    /// Parses `postgres://USER@HOST[:PORT]/DATABASE`. A password in the URL is refused (it would sit in config
    /// files and process listings): use the password file.
    public static func parse(url text: String) throws(URLProblem) -> (
        host: String, port: Int, username: String, database: String
    ) {
        guard let components = URLComponents(string: text),
            components.scheme == "postgres" || components.scheme == "postgresql"
        else { throw URLProblem(description: "must be postgres://USER@HOST[:PORT]/DATABASE") }
        guard components.password == nil else {
            throw URLProblem(
                description:
                    "must not contain a password (it would be logged and listed): use store.postgres_password_file")
        }
        guard let host = components.host, !host.isEmpty else { throw URLProblem(description: "has no host") }
        guard let username = components.user, !username.isEmpty else {
            throw URLProblem(description: "has no user name (postgres://USER@HOST/DATABASE)")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw URLProblem(description: "must name one database as its path (postgres://USER@HOST/DATABASE)")
        }
        guard components.query == nil else {
            throw URLProblem(description: "takes no query parameters: TLS is store.postgres_tls")
        }
        let port = components.port ?? 5432
        guard (1...65_535).contains(port) else { throw URLProblem(description: "port \(port) is out of range") }
        return (host, port, username, database)
    }

    /// Reads a password file, checked before it is read: a regular file of at most 1 KiB that others cannot read,
    /// not empty; one trailing newline is dropped. The problem names the file, never its content.
    public static func readPasswordFile(_ path: String) throws(URLProblem) -> String {
        var info = stat()
        guard stat(path, &info) == 0 else { throw URLProblem(description: "cannot read \(path)") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw URLProblem(description: "\(path) is not a regular file") }
        guard info.st_size <= 1_024 else {
            throw URLProblem(description: "\(path) is \(info.st_size) bytes; a password file holds at most 1024")
        }
        guard info.st_mode & 0o007 == 0 else {
            throw URLProblem(
                description:
                    "\(path) is readable by others (mode \(String(info.st_mode & 0o777, radix: 8))); chmod 0600 or 0640"
            )
        }
        guard let data = FileManager.default.contents(atPath: path), data.count <= 1_024,
            let text = String(data: data, encoding: .utf8)
        else { throw URLProblem(description: "cannot read \(path) as UTF-8") }
        let password = text.trimmingCharacters(in: .newlines)
        guard !password.isEmpty else { throw URLProblem(description: "\(path) is empty") }
        return password
    }

    /// The URL without secrets, for logs.
    public var redactedURL: String { "postgres://\(username)@\(host):\(port)/\(database)" }

    func clientConfiguration() throws -> PostgresClient.Configuration {
        let tlsSetting: PostgresClient.Configuration.TLS
        switch tls {
        case .disable:
            tlsSetting = .disable
        case .require:
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .fullVerification
            if let caFile { configuration.trustRoots = .file(caFile) }
            tlsSetting = .require(configuration)
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tlsSetting)
        configuration.options.maximumConnections = poolSize
        configuration.options.minimumConnections = 1
        configuration.options.connectTimeout = .seconds(5)
        if tls == .require { configuration.options.tlsServerName = host }
        // A lock wait (the limit windows' rows, the signers' advisory lock, a payout's row) gives up after one
        // lease instead of hanging on a stopped or cut-off instance that holds the lock: its kernel still answers
        // keepalives, so the server would wait for it forever. The waiter's call fails (55P03) and is tried again
        // by its caller (a client's retry, the processor's next round).
        configuration.options.additionalStartupParameters = [("lock_timeout", "\(leaseSeconds * 1_000)")]
        return configuration
    }
}
