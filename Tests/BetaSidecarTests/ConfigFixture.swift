import Foundation
import ServerSupport

@testable import BetaSidecar

/// A scratch directory with three readable files standing in for the TLS PEMs (the configuration only checks that
/// they can be read), and helpers to load a configuration from a file, an environment and flags.
struct ConfigFixture {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sidecar-config-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for name in ["cert.pem", "key.pem", "ca.pem"] {
            try Data("not checked\n".utf8).write(to: directory.appendingPathComponent(name))
        }
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// The three TLS keys, as flags, pointing at the readable files.
    var tls: [String: String] {
        ["tls.cert": path("cert.pem"), "tls.key": path("key.pem"), "tls.ca": path("ca.pem")]
    }

    /// Writes `yaml` to a fresh file and returns its path.
    func file(_ yaml: String) throws -> String {
        let url = directory.appendingPathComponent("sidecar-\(UUID()).yaml")
        try Data(yaml.utf8).write(to: url)
        return url.path
    }

    /// Loads with the TLS keys given as flags (unless `flags` sets them), like the end-to-end tests do.
    func load(
        file: String? = nil, environment: [String: String] = [:], flags: [String: String] = [:], withTLS: Bool = true
    ) throws(ConfigError) -> SidecarConfig {
        try SidecarConfig.load(
            file: file, environment: environment,
            overrides: (withTLS ? tls : [:]).merging(flags) { _, flag in flag })
    }

    /// The configuration error loading throws, as "key: problem" (nil when it loads).
    func error(
        file: String? = nil, environment: [String: String] = [:], flags: [String: String] = [:], withTLS: Bool = true
    ) -> String? {
        do {
            _ = try load(file: file, environment: environment, flags: flags, withTLS: withTLS)
            return nil
        } catch {
            return "\(error.key): \(error.problem)"
        }
    }
}
