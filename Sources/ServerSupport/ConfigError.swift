/// A configuration value that cannot be used: `key` names the setting (or the file, for a file that cannot be read
/// or parsed) and `problem` says what is wrong and what is allowed. Programs print it and stop before serving.
public struct ConfigError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The setting in its dotted form (`admin.listen`), an environment variable, or a file path.
    public var key: String
    /// What is wrong and what is allowed, e.g. `must be host:port with a port from 0 to 65535, got "x"`.
    public var problem: String

    /// Makes an error for `key`; `problem` continues the sentence "KEY …".
    public init(key: String, _ problem: String) {
        self.key = key
        self.problem = problem
    }

    /// `configuration error: KEY: PROBLEM`, the line programs print before they exit.
    public var description: String { "configuration error: \(key): \(problem)" }
}
