/// Why the hot-wallet key could not be loaded or written. No case carries key material: a refused key is reported
/// by its source and the reason only. `setting` and `problem` read it in the shape of the servers' configuration
/// errors (`configuration error: SETTING: PROBLEM`), so an operator reads one style.
public enum WalletKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The key is in the environment variable outside development.
    case environmentKeyNotAllowed
    /// The environment variable holds no valid key (the reason names the rule, never the text).
    case environmentKeyInvalid(reason: String)
    /// Neither a key file nor (in development) the environment variable is set.
    case missing
    /// The key file cannot be read (`reason`, e.g. strerror, when known).
    case unreadable(path: String, reason: String?)
    /// The key file's permission bits let others than its owner read or write it.
    case tooOpen(path: String, mode: UInt32)
    /// A key file to install is readable by others than its owner and group.
    case sourceOpenToOthers(path: String, mode: UInt32)
    /// The key file's text is not a key (the reason names the rule, never the text).
    case notAKey(path: String, reason: String)
    /// A new key file cannot be created (it exists, or the directory refuses it).
    case cannotCreate(path: String, reason: String)
    /// A new key file cannot be written completely or synced.
    case cannotWrite(path: String)

    /// The setting at fault: `wallet.key_file`, the key's environment variable, or the new key file's path.
    public var setting: String {
        switch self {
        case .environmentKeyNotAllowed, .environmentKeyInvalid: WalletKey.environmentVariable
        case .missing, .unreadable, .tooOpen, .notAKey: WalletKey.keyFileSetting
        case .cannotCreate(let path, _), .cannotWrite(let path), .sourceOpenToOthers(let path, _): path
        }
    }

    /// What is wrong with `setting`, for an operator.
    public var problem: String {
        switch self {
        case .environmentKeyNotAllowed:
            "is only allowed in development; use \(WalletKey.keyFileSetting) (mode 0600) in production"
        case .environmentKeyInvalid(let reason): reason
        case .missing:
            "is required when processor.enabled is true (or \(WalletKey.environmentVariable) in development)"
        case .unreadable(let path, let reason): "\(path) cannot be read" + (reason.map { " (\($0))" } ?? "")
        case .tooOpen(let path, let mode):
            "\(path) has mode \(Self.octal(mode)); it must be readable by its owner only (chmod 600 \(path))"
        case .notAKey(let path, let reason): "\(path) does not hold a key: \(reason)"
        case .sourceOpenToOthers(_, let mode):
            "has mode \(Self.octal(mode)); a key to install may be readable by its group, never by others"
        case .cannotCreate(_, let reason): "cannot create the key file (\(reason))"
        case .cannotWrite: "cannot write the key file"
        }
    }

    /// `configuration error: SETTING: PROBLEM`.
    public var description: String { "configuration error: \(setting): \(problem)" }

    /// A permission mode as four octal digits (0640).
    static func octal(_ mode: UInt32) -> String {
        let digits = String(mode, radix: 8, uppercase: false)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
