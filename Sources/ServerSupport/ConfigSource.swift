import Foundation
import Yams

/// A program's settings gathered from, in rising precedence, a YAML file, `PREFIX_` environment variables and
/// command-line overrides, checked against its `ConfigSchema`: unknown keys and variables are refused with their
/// name, renamed keys are accepted with a warning. Typed reads are in `ConfigSource+Reading.swift`.
public struct ConfigSource: Sendable {
    /// Where a value came from, for messages.
    public enum Origin: Sendable, Equatable {
        /// The YAML file at this path.
        case file(String)
        /// This environment variable.
        case environment(String)
        /// A command-line flag.
        case override
    }

    /// The schema the values were checked against.
    public let schema: ConfigSchema
    /// One line per renamed key that was used, naming the new key; log them once logging is up.
    public private(set) var warnings: [String] = []

    var values: [String: [String]] = [:]
    var origins: [String: Origin] = [:]

    /// Reads `file` (when given), then the environment, then `overrides` (flag values keyed by config key), each
    /// replacing what came before. Lists are YAML sequences, or comma-separated in the environment and flags; other
    /// values are read whole (a comma in a path is a comma). An empty environment variable for a single-value key
    /// is refused, not read as "unset", so that an empty `PREFIX_TRON_PROXY=` cannot silently mean "no proxy".
    /// - Throws: `ConfigError` naming the file (unreadable, not YAML, not a mapping), the key (unknown, not a
    ///   scalar or list, set twice in the file under its old and new name) or the environment variable (starts
    ///   with the prefix but names no key, or is empty).
    public static func load(
        _ schema: ConfigSchema, file: String?, environment: [String: String], overrides: [String: String] = [:]
    ) throws(ConfigError) -> ConfigSource {
        var source = ConfigSource(schema: schema)
        if let file {
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw ConfigError(key: file, "cannot read the configuration file (\(error.localizedDescription))")
            }
            for (key, value) in try flatten(yaml: text, file: file) {
                let target = schema.renamedKeys[key] ?? key
                if source.origins[target] != nil {
                    throw ConfigError(key: key, "is set twice in \(file): as \(key) and as \(target)")
                }
                try source.set(key, value, origin: .file(file))
            }
        }
        for (variable, value) in environment.sorted(by: { $0.key < $1.key })
        where variable.hasPrefix(schema.environmentPrefix) {
            if schema.otherEnvironmentVariables.contains(variable) { continue }
            guard let key = source.key(forVariable: variable) else {
                throw ConfigError(
                    key: variable,
                    "is not a known setting of \(schema.program) (its variables are \(schema.environmentPrefix) + "
                        + "a key upper-cased, dots as underscores); known keys: "
                        + schema.keys.map(\.name).joined(separator: ", "))
            }
            let target = schema.renamedKeys[key] ?? key
            if !schema.isList(target), value.trimmingCharacters(in: .whitespaces).isEmpty {
                throw ConfigError(
                    key: variable, "is set but empty; unset it to use the default, or give \(target) a value")
            }
            try source.set(key, source.split(value, key: key), origin: .environment(variable))
        }
        for (key, value) in overrides.sorted(by: { $0.key < $1.key }) {
            try source.set(key, source.split(value, key: key), origin: .override)
        }
        return source
    }

    /// A source holding exactly `values` (key → one value, or the items of a list), for tests and for programs
    /// that assemble settings themselves. Keys are checked like a file's.
    public init(_ schema: ConfigSchema, values: [String: [String]]) throws(ConfigError) {
        self.init(schema: schema)
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            try set(key, value, origin: .override)
        }
    }

    init(schema: ConfigSchema) {
        self.schema = schema
    }

    /// Where `key`'s value came from, or nil when it is unset.
    public func origin(of key: String) -> Origin? { origins[key] }

    mutating func set(_ name: String, _ value: [String], origin: Origin) throws(ConfigError) {
        var key = name
        if let renamed = schema.renamedKeys[name] {
            key = renamed
            warnings.append(
                "configuration key \(name) is renamed to \(renamed); the old name is accepted in this release only")
        }
        guard schema.declares(key) else {
            throw ConfigError(
                key: name,
                "is not a known setting of \(schema.program); known settings: "
                    + schema.keys.map(\.name).joined(separator: ", "))
        }
        values[key] = value
        origins[key] = origin
    }

    func key(forVariable variable: String) -> String? {
        if let key = schema.keys.first(where: { schema.environmentVariable(for: $0.name) == variable }) {
            return key.name
        }
        return schema.renamedKeys.keys.first { schema.environmentVariable(for: $0) == variable }
    }

    /// The items of a list key's text (comma-separated, trimmed); any other key's text whole, trimmed.
    func split(_ text: String, key: String) -> [String] {
        guard schema.isList(schema.renamedKeys[key] ?? key) else { return [text.trimmingCharacters(in: .whitespaces)] }
        return text.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
    }

    /// Flattens nested YAML mappings into dotted keys; a scalar becomes one value, a sequence its items, null "".
    static func flatten(yaml text: String, file: String) throws(ConfigError) -> [(String, [String])] {
        let document: Any?
        do {
            document = try Yams.load(yaml: text)
        } catch {
            throw ConfigError(key: file, "is not valid YAML (\(error))")
        }
        guard let document else { return [] }
        guard let root = document as? [String: Any] else {
            throw ConfigError(key: file, "must be a YAML mapping of settings")
        }
        var entries: [(String, [String])] = []
        func walk(_ node: [String: Any], prefix: String) throws(ConfigError) {
            for (name, value) in node.sorted(by: { $0.key < $1.key }) {
                let key = prefix.isEmpty ? name : "\(prefix).\(name)"
                switch value {
                case let child as [String: Any]:
                    try walk(child, prefix: key)
                case let list as [Any]:
                    guard list.allSatisfy({ !($0 is [Any]) && !($0 is [String: Any]) }) else {
                        throw ConfigError(key: key, "must be a list of plain values, not of lists or mappings")
                    }
                    entries.append((key, list.map { "\($0)" }))
                case is NSNull:
                    entries.append((key, [""]))
                default:
                    entries.append((key, ["\(value)"]))
                }
            }
        }
        try walk(root, prefix: "")
        return entries
    }
}
