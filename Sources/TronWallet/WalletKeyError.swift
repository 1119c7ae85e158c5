/// Why the hot-wallet key could not be loaded or written: `setting` names the configuration key, environment
/// variable or file path at fault, and `problem` says what is wrong with it. Neither ever holds key material.
/// The description has the shape of the servers' configuration errors, so operators read one style.
public struct WalletKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The setting at fault: `wallet.key_file`, the key's environment variable, or the key file's path.
    public var setting: String
    /// What is wrong with it, for an operator.
    public var problem: String

    /// An error about `setting`; `problem` must not contain key material.
    public init(setting: String, _ problem: String) {
        self.setting = setting
        self.problem = problem
    }

    /// `configuration error: SETTING: PROBLEM`.
    public var description: String { "configuration error: \(setting): \(problem)" }
}
