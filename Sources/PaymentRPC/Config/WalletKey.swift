import Foundation
import TronKit

/// Loads the hot-wallet key: from `wallet.key_file`, which must be readable by its owner only, or, in development
/// only, from PAYMENT_RPC_WALLET_PRIVATE_KEY. Errors name the setting and never contain key material.
public enum WalletKey {
    public static let environmentVariable = "PAYMENT_RPC_WALLET_PRIVATE_KEY"

    public static func load(config: PaymentRPCConfig, environment: [String: String]) throws(ConfigError)
        -> TronPrivateKey
    {
        if let path = config.walletKeyFile { return try fromFile(path) }
        if let text = environment[environmentVariable], !text.isEmpty {
            guard config.environment == .development else {
                throw ConfigError(
                    key: environmentVariable,
                    "is only allowed in development; use wallet.key_file (mode 0600) in production")
            }
            do {
                return try TronPrivateKey(hex: text)
            } catch {
                throw ConfigError(key: environmentVariable, "\(error)")
            }
        }
        throw ConfigError(
            key: "wallet.key_file",
            "is required when processor.enabled is true (or \(environmentVariable) in development)")
    }

    /// Reads a key file after checking that no one but its owner can read or write it.
    public static func fromFile(_ path: String) throws(ConfigError) -> TronPrivateKey {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw ConfigError(key: "wallet.key_file", "\(path) cannot be read (\(String(cString: strerror(errno))))")
        }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw ConfigError(
                key: "wallet.key_file",
                "\(path) has mode \(String(mode, radix: 8, uppercase: false).leftPadded(to: 4)); it must be readable by its owner only (chmod 600 \(path))"
            )
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw ConfigError(key: "wallet.key_file", "\(path) cannot be read")
        }
        do {
            return try TronPrivateKey(hex: text)
        } catch {
            throw ConfigError(key: "wallet.key_file", "\(path) does not hold a key: \(error)")
        }
    }

    /// Writes a new key file with mode 0600 (created exclusively: an existing file is never overwritten).
    public static func write(_ key: TronPrivateKey, to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            throw ConfigError(key: path, "cannot create the key file (\(String(cString: strerror(errno))))")
        }
        defer { close(descriptor) }
        let bytes = Array((key.exportHex() + "\n").utf8)
        guard Foundation.write(descriptor, bytes, bytes.count) == bytes.count, fsync(descriptor) == 0 else {
            throw ConfigError(key: path, "cannot write the key file")
        }
    }
}

extension String {
    func leftPadded(to length: Int) -> String {
        String(repeating: "0", count: max(0, length - count)) + self
    }
}
