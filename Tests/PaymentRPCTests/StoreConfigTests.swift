import Foundation
import ServerSupport
import Testing

@testable import PaymentRPC

@Suite("Configuration of the PostgreSQL ledger: refusals name the key and never echo a secret")
struct StoreConfigTests {
    func write(_ text: String, mode: Int = 0o600) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    func refusal(_ yaml: String) throws -> (key: String, problem: String)? {
        let path = try write(yaml)
        do {
            _ = try PaymentRPCConfig.load(file: path, environment: [:])
            return nil
        } catch {
            return (error.key, error.problem)
        }
    }

    @Test(
        "bad store settings stop start-up naming the key",
        arguments: [
            (
                "store:\n  postgres_url: postgres://lucid:hunter2@db/ledger\n", "store.postgres_url",
                "must not contain a password"
            ),
            ("store:\n  postgres_url: postgres://db/ledger\n", "store.postgres_url", "has no user name"),
            ("store:\n  postgres_url: postgres://lucid@db/\n", "store.postgres_url", "must name one database"),
            (
                "store:\n  postgres_url: postgres://lucid@db/ledger?sslmode=disable\n", "store.postgres_url",
                "takes no query"
            ),
            ("store:\n  postgres_url: mysql://lucid@db/ledger\n", "store.postgres_url", "must be postgres://"),
            (
                "store:\n  postgres_url: postgres://lucid@db/ledger\n  lease_seconds: 1\n", "store.lease_seconds",
                "from 2"
            ),
            (
                "store:\n  postgres_url: postgres://lucid@db/ledger\n  postgres_tls: prefer\n", "store.postgres_tls",
                "one of"
            ),
            ("store:\n  lease_seconds: 10\n", "store.lease_seconds", "store.postgres_url is not"),
        ])
    func refusals(yaml: String, key: String, problem: String) throws {
        let found = try #require(try refusal(yaml), "accepted \(yaml)")
        #expect(found.key == key)
        #expect(found.problem.contains(problem), "\(found.problem)")
        #expect(!found.problem.contains("hunter2"), "a password in the URL is never echoed")
    }

    @Test("the password file is checked before it is read, and the password is in no message")
    func passwordFile() throws {
        let secret = "correct-horse-battery"
        let open = try write(secret + "\n", mode: 0o644)
        let wide = try #require(
            try refusal("store:\n  postgres_url: postgres://lucid@db/ledger\n  postgres_password_file: \(open)\n"))
        #expect(wide.key == "store.postgres_password_file")
        #expect(wide.problem.contains("readable by others"))
        let big = try write(String(repeating: "x", count: 5_000))
        let tooBig = try #require(
            try refusal("store:\n  postgres_url: postgres://lucid@db/ledger\n  postgres_password_file: \(big)\n"))
        #expect(tooBig.problem.contains("at most 1024"))
        let good = try write(secret + "\n")
        let config = try PaymentRPCConfig.load(
            file: try write(
                "store:\n  postgres_url: postgres://lucid@db:6432/ledger\n  postgres_password_file: \(good)\n"),
            environment: [:])
        let settings = try #require(config.postgres)
        #expect(settings.password == secret)
        #expect(settings.port == 6432 && settings.database == "ledger" && settings.username == "lucid")
        #expect(!settings.redactedURL.contains(secret))
        #expect(!config.summary.contains(secret))
    }

    @Test(
        "store.sqlite_path beside store.postgres_url: PostgreSQL is the ledger and start-up warns the file is ignored")
    func sqlitePathBesidePostgres() throws {
        let both = try PaymentRPCConfig.load(
            file: try write("store:\n  sqlite_path: /var/lib/x.sqlite\n"),
            environment: ["PAYMENT_RPC_STORE_POSTGRES_URL": "postgres://lucid@db/ledger"])
        #expect(both.postgres != nil)
        #expect(both.configWarnings.contains { $0.contains("store.sqlite_path (/var/lib/x.sqlite) is ignored") })
        let sqliteOnly = try PaymentRPCConfig.load(
            file: try write("store:\n  sqlite_path: /var/lib/x.sqlite\n"), environment: [:])
        #expect(sqliteOnly.postgres == nil)
        #expect(!sqliteOnly.configWarnings.contains { $0.contains("store.sqlite_path") })
        let postgresOnly = try PaymentRPCConfig.load(
            file: try write("store:\n  postgres_url: postgres://lucid@db/ledger\n"), environment: [:])
        #expect(!postgresOnly.configWarnings.contains { $0.contains("store.sqlite_path") })
    }
}
