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
        let mode = try status(of: path).st_mode & 0o777
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

    /// Copies a key from a file its reader does not own (a Kubernetes Secret volume: root-owned, group-readable) to a
    /// new file of mode 0400 that the caller owns, which `fromFile` accepts. The source must hold a key and must not be
    /// readable by others than its owner and group; the destination is created exclusively: one that already holds the
    /// same key (mode 0600 or stricter) is left as it is, anything else is refused. Returns the key.
    @discardableResult
    public static func install(from source: String, to destination: String) throws(WalletKeyError) -> TronPrivateKey {
        let info = try status(of: source)
        let mode = info.st_mode & 0o777
        guard mode & 0o007 == 0 else {
            throw .sourceOpenToOthers(path: source, mode: UInt32(mode))
        }
        // A key file is 64 hex characters: anything much larger is not read at all.
        guard info.st_size <= 4096, let data = FileManager.default.contents(atPath: source),
            let text = String(data: data, encoding: .utf8)
        else {
            throw .unreadable(path: source, reason: nil)
        }
        let key: TronPrivateKey
        do {
            key = try TronPrivateKey(hex: text)
        } catch {
            throw .notAKey(path: source, reason: "\(error)")
        }
        do {
            try write(key, to: destination, mode: 0o400)
        } catch .cannotCreate where FileManager.default.fileExists(atPath: destination) {
            // Installed before (an init container run again): the same key, kept safe, is success; another key
            // or a file others may read is refused, and nothing is overwritten.
            guard (try? fromFile(destination))?.address == key.address else {
                throw .cannotCreate(path: destination, reason: "it exists and does not hold the same key")
            }
        }
        return key
    }

    /// `stat(2)` of a key file; an error names the path and strerror.
    static func status(of path: String) throws(WalletKeyError) -> stat {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw .unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        return info
    }

    /// Writes a new key file with mode 0600 (or `mode`, which must keep others out), created exclusively (an existing
    /// file is never overwritten) and synced to disk. Errors name the path.
    public static func write(_ key: TronPrivateKey, to path: String, mode: mode_t = 0o600) throws(WalletKeyError) {
        precondition(mode & 0o077 == 0, "a key file must be readable by its owner only")
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, mode)
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
