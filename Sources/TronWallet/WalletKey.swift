import Foundation
import TronKit

/// The hot-wallet key's custody: key files readable by their owner only, and, in development only, the key in
/// PAYMENT_RPC_WALLET_PRIVATE_KEY. payment-rpc loads the key at start-up; payctl writes and reads key files.
/// Errors name the setting and never contain key material.
public enum WalletKey {
    /// The environment variable that may hold the key (hex) in development.
    public static let environmentVariable = "PAYMENT_RPC_WALLET_PRIVATE_KEY"
    /// The configuration key naming the key file, as errors name it.
    public static let keyFileSetting = "wallet.key_file"

    /// Loads the key from `keyFile` when set, else from `environmentVariable` in `environment`, which only
    /// `allowsEnvironmentKey` (development) permits. Throws when neither is set, the file is unsafe or unreadable,
    /// or the text is not a key.
    public static func load(
        keyFile: String?, environment: [String: String], allowsEnvironmentKey: Bool
    ) throws(WalletKeyError) -> TronPrivateKey {
        if let keyFile { return try fromFile(keyFile) }
        if let text = environment[environmentVariable], !text.isEmpty {
            guard allowsEnvironmentKey else {
                throw .environmentKeyNotAllowed
            }
            do {
                return try TronPrivateKey(hex: text)
            } catch {
                throw .environmentKeyInvalid(reason: "\(error)")
            }
        }
        throw .missing
    }

    /// Reads a key file after checking that no one but its owner can read or write it (mode 0600 or stricter).
    public static func fromFile(_ path: String) throws(WalletKeyError) -> TronPrivateKey {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw .unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw .tooOpen(path: path, mode: UInt32(mode))
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw .unreadable(path: path, reason: nil)
        }
        do {
            return try TronPrivateKey(hex: text)
        } catch {
            throw .notAKey(path: path, reason: "\(error)")
        }
    }

    /// Writes a new key file with mode 0600, created exclusively (an existing file is never overwritten) and
    /// synced to disk. Errors name the path.
    public static func write(_ key: TronPrivateKey, to path: String) throws(WalletKeyError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            throw .cannotCreate(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        let bytes = Array((key.exportHex() + "\n").utf8)
        guard Foundation.write(descriptor, bytes, bytes.count) == bytes.count, fsync(descriptor) == 0 else {
            throw .cannotWrite(path: path)
        }
    }
}
