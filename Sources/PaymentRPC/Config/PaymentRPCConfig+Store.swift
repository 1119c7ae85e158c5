import Foundation
import PaymentStorePostgres
import ServerSupport

extension PaymentRPCConfig {
    /// The `store.postgres_*` settings: with `store.postgres_url` the ledger is the shared PostgreSQL one, else the
    /// SQLite file. The password is read from `store.postgres_password_file` here, once, and checked before it is
    /// read (a regular file, at most 1 KiB, not readable by others).
    mutating func readStore(_ reader: ConfigSource) throws(ConfigError) {
        let keys = [
            "store.postgres_password_file", "store.postgres_tls", "store.postgres_ca_file",
            "store.postgres_pool_size", "store.lease_seconds",
        ]
        guard let text = try reader.string("store.postgres_url"), !text.isEmpty else {
            for key in keys where try reader.string(key) != nil {
                throw ConfigError(key: key, "is set but store.postgres_url is not (the ledger would be SQLite)")
            }
            postgres = nil
            return
        }
        let parts: (host: String, port: Int, username: String, database: String)
        do {
            parts = try PostgresSettings.parse(url: text)
        } catch {
            throw ConfigError(key: "store.postgres_url", error.description)
        }
        var settings = PostgresSettings(
            host: parts.host, port: parts.port, username: parts.username, database: parts.database)
        settings.tls = try reader.choice("store.postgres_tls", default: PostgresSettings.TLSMode.disable)
        if environment == .production, settings.tls != .require {
            throw ConfigError(
                key: "store.postgres_tls",
                "must be require when environment is production (the ledger's traffic holds every payout)")
        }
        settings.caFile = try reader.string("store.postgres_ca_file").flatMap { $0.isEmpty ? nil : $0 }
        if let caFile = settings.caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            throw ConfigError(key: "store.postgres_ca_file", "cannot read \(caFile)")
        }
        settings.poolSize = try reader.integer("store.postgres_pool_size", in: 2...200) ?? settings.poolSize
        settings.leaseSeconds = try reader.integer("store.lease_seconds", in: 2...3_600) ?? settings.leaseSeconds
        if let file = try reader.string("store.postgres_password_file"), !file.isEmpty {
            do {
                settings.password = try PostgresSettings.readPasswordFile(file)
            } catch {
                throw ConfigError(key: "store.postgres_password_file", error.description)
            }
        }
        postgres = settings
        if try reader.string("store.sqlite_path") != nil {
            // Layered configuration (a file naming the SQLite file, an environment override naming PostgreSQL) is
            // common, so this is not refused; but an operator must not believe the SQLite file is the ledger.
            configWarnings.append(
                "store.sqlite_path (\(sqlitePath)) is ignored: store.postgres_url is set, so the ledger is PostgreSQL")
        }
    }
}
