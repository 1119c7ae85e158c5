import Foundation
import Logging

/// Typed reads. Each returns nil (or the default) when the key is unset and throws a `ConfigError` naming the key
/// when its value cannot be used. Reading a key the schema does not declare is a programming error and traps.
extension ConfigSource {
    /// The key's single value, or nil when unset. A YAML list or a comma in an environment value is refused.
    public func string(_ key: String) throws(ConfigError) -> String? {
        precondition(schema.declares(key), "\(schema.program) reads the undeclared configuration key \(key)")
        guard let list = values[key] else { return nil }
        guard list.count == 1 else { throw ConfigError(key: key, "must be a single value, not a list") }
        return list[0]
    }

    /// The key's value, or `fallback` when unset.
    public func string(_ key: String, default fallback: String) throws(ConfigError) -> String {
        try string(key) ?? fallback
    }

    /// The key's value; unset or empty is an error ("is required").
    public func required(_ key: String) throws(ConfigError) -> String {
        guard let value = try string(key), !value.isEmpty else { throw ConfigError(key: key, "is required") }
        return value
    }

    /// The key's items (a YAML sequence, or comma-separated text), empty items dropped; [] when unset.
    public func list(_ key: String) throws(ConfigError) -> [String] {
        precondition(schema.isList(key), "\(schema.program) reads \(key) as a list, but it is not declared as one")
        return (values[key] ?? []).filter { !$0.isEmpty }
    }

    /// A whole number in `range`, or nil when unset.
    public func integer(_ key: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int? {
        guard let text = try string(key) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigError(
                key: key, "must be a whole number from \(range.lowerBound) to \(range.upperBound), got \"\(text)\"")
        }
        return value
    }

    /// A whole number in `range`, or `fallback` when unset.
    public func integer(_ key: String, in range: ClosedRange<Int>, default fallback: Int) throws(ConfigError) -> Int {
        try integer(key, in: range) ?? fallback
    }

    /// A 64-bit whole number in `range` (underscores between digits allowed: `1_000_000`), or nil when unset.
    public func int64(_ key: String, in range: ClosedRange<Int64>) throws(ConfigError) -> Int64? {
        guard let text = try string(key) else { return nil }
        guard let value = Int64(text.replacingOccurrences(of: "_", with: "")), range.contains(value) else {
            throw ConfigError(
                key: key, "must be a whole number from \(range.lowerBound) to \(range.upperBound), got \"\(text)\"")
        }
        return value
    }

    /// `true` or `false` (any case), or nil when unset.
    public func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let text = try string(key) else { return nil }
        guard let value = Bool(text.lowercased()) else {
            throw ConfigError(key: key, "must be true or false, got \"\(text)\"")
        }
        return value
    }

    /// One of `Value`'s raw values, or `fallback` when unset; the error lists the allowed values.
    public func choice<Value: RawRepresentable & CaseIterable>(_ key: String, default fallback: Value)
        throws(ConfigError) -> Value
    where Value.RawValue == String {
        guard let text = try string(key) else { return fallback }
        guard let value = Value(rawValue: text) else {
            throw ConfigError(
                key: key, "must be one of \(Value.allCases.map(\.rawValue).joined(separator: ", ")); got \"\(text)\"")
        }
        return value
    }

    /// An http or https URL with a host, or nil when unset or empty.
    public func url(_ key: String) throws(ConfigError) -> URL? {
        guard let text = try string(key), !text.isEmpty else { return nil }
        guard let url = HTTPURL.parse(text) else {
            throw ConfigError(key: key, "must be an http(s) URL, got \"\(text)\"")
        }
        return url
    }

    /// `host:port` (`[v6]:port` for IPv6), or nil when unset.
    public func hostPort(_ key: String) throws(ConfigError) -> HostPort? {
        guard let text = try string(key) else { return nil }
        guard let address = HostPort(parsing: text) else {
            throw ConfigError(key: key, "must be host:port with a port from 0 to 65535, got \"\(text)\"")
        }
        return address
    }

    /// `host:port`, or `fallback` when unset.
    public func hostPort(_ key: String, default fallback: HostPort) throws(ConfigError) -> HostPort {
        try hostPort(key) ?? fallback
    }

    /// The `log.level` key (trace, debug, info, notice, warning, error, critical), or `fallback` when unset.
    public func logLevel(default fallback: Logger.Level) throws(ConfigError) -> Logger.Level {
        guard let text = try string("log.level") else { return fallback }
        guard let level = Logger.Level(rawValue: text) else {
            throw ConfigError(
                key: "log.level",
                "must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")); got \"\(text)\"")
        }
        return level
    }
}
