import Foundation

/// One setting a program reads: its dotted name and a one-line description (units, default, what it does).
public struct ConfigKey: Sendable, Hashable {
    /// The dotted name used in YAML (`admin.listen`); the environment variable is derived from it.
    public let name: String
    /// What the setting does, its unit and its default, for `--help`-style listings and for readers of the code.
    public let summary: String
    /// Whether the setting is a list: a YAML sequence, or comma-separated text in the environment and flags. Only
    /// list settings are split on commas; any other value is read whole.
    public let isList: Bool

    /// Declares a single-value setting.
    public init(_ name: String, _ summary: String) {
        self.init(name: name, summary: summary, isList: false)
    }

    /// Declares a list setting.
    public static func list(_ name: String, _ summary: String) -> ConfigKey {
        ConfigKey(name: name, summary: summary, isList: true)
    }

    init(name: String, summary: String, isList: Bool) {
        self.name = name
        self.summary = summary
        self.isList = isList
    }
}

/// Everything a program's configuration may contain: its keys, the environment prefix that overrides them, keys
/// renamed in this release (still accepted, with a warning), and the prefixed environment variables it reads
/// elsewhere (secrets). Anything else is refused, so a misspelled key or variable cannot be silently ignored.
public struct ConfigSchema: Sendable {
    /// The program name, used in messages (`payment-rpc`).
    public let program: String
    /// The environment prefix including its trailing underscore (`PAYMENT_RPC_`).
    public let environmentPrefix: String
    /// The declared keys, in the order the program documents them.
    public let keys: [ConfigKey]
    /// Old key name → its new name. An old name still works for one release; each use yields a warning.
    public let renamedKeys: [String: String]
    /// Variables that start with the prefix but are not keys (a secret the program reads on its own); the
    /// environment check leaves them alone.
    public let otherEnvironmentVariables: Set<String>

    let names: Set<String>
    let listNames: Set<String>

    /// Declares a schema. Traps on a programming error: a duplicate key, two keys with the same environment
    /// variable, or a rename to an undeclared key.
    public init(
        program: String, environmentPrefix: String, keys: [ConfigKey], renamedKeys: [String: String] = [:],
        otherEnvironmentVariables: Set<String> = []
    ) {
        self.program = program
        self.environmentPrefix = environmentPrefix
        self.keys = keys
        self.renamedKeys = renamedKeys
        self.otherEnvironmentVariables = otherEnvironmentVariables
        names = Set(keys.map(\.name))
        listNames = Set(keys.filter(\.isList).map(\.name))
        precondition(names.count == keys.count, "\(program): a configuration key is declared twice")
        let variables = Set(keys.map { Self.variable(prefix: environmentPrefix, key: $0.name) })
        precondition(variables.count == keys.count, "\(program): two keys share an environment variable")
        for (old, new) in renamedKeys {
            precondition(names.contains(new), "\(program): \(old) is renamed to the undeclared key \(new)")
            precondition(!names.contains(old), "\(program): \(old) is both renamed and declared")
        }
    }

    /// The environment variable that overrides `key`: the prefix, then the key upper-cased with dots as
    /// underscores (`limits.daily_units` → `PAYMENT_RPC_LIMITS_DAILY_UNITS`).
    public func environmentVariable(for key: String) -> String {
        Self.variable(prefix: environmentPrefix, key: key)
    }

    /// Whether `name` is a declared key.
    public func declares(_ name: String) -> Bool { names.contains(name) }

    /// Whether `name` is a declared list key.
    public func isList(_ name: String) -> Bool { listNames.contains(name) }

    static func variable(prefix: String, key: String) -> String {
        prefix + key.uppercased().replacingOccurrences(of: ".", with: "_")
    }
}
