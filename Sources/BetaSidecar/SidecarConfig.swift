import Foundation
import Yams

/// beta-sidecar's configuration: a YAML file plus `BETA_SIDECAR_<KEY>` environment overrides (dots as
/// underscores), validated at start; an error names the key and what is allowed.
public struct SidecarConfig: Sendable {
    public var settings: SidecarSettings
    public var adminListen: (host: String, port: Int)
    public var registryKind: String
    public var etcdURL: String
    public var leaseTTLSeconds: Int
    public var logLevel: String

    public static let keys = [
        "listen", "admin_listen", "admin_grpc_listen", "upstream", "target", "policy", "trust_domain", "tls.cert",
        "tls.key", "tls.ca",
        "probe.interval_ms", "probe.timeout_ms", "probe.healthy_threshold", "probe.unhealthy_threshold",
        "registry.kind", "registry.etcd_url", "registry.lease_ttl_seconds", "log.level",
    ]

    public struct Error: Swift.Error, CustomStringConvertible {
        public var key: String
        public var problem: String
        public var description: String { "configuration error: \(key): \(problem)" }
    }

    public static func environmentVariable(for key: String) -> String {
        "BETA_SIDECAR_" + key.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    /// Reads the file (if any), then the environment, then `overrides` (command-line flags), and validates.
    public static func load(file: String?, environment: [String: String], overrides: [String: String]) throws
        -> SidecarConfig
    {
        var values: [String: String] = [:]
        if let file {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw Error(key: file, problem: "cannot read the configuration file")
            }
            guard let root = try Yams.load(yaml: text) as? [String: Any] else {
                throw Error(key: file, problem: "must be a YAML mapping of settings")
            }
            func walk(_ node: [String: Any], _ prefix: String) throws {
                for (name, value) in node {
                    let key = prefix.isEmpty ? name : "\(prefix).\(name)"
                    if let child = value as? [String: Any] {
                        try walk(child, key)
                    } else {
                        guard keys.contains(key) else {
                            throw Error(
                                key: key,
                                problem: "is not a known setting; known settings: \(keys.joined(separator: ", "))")
                        }
                        values[key] = "\(value)"
                    }
                }
            }
            try walk(root, "")
        }
        for key in keys { if let value = environment[environmentVariable(for: key)] { values[key] = value } }
        for (key, value) in overrides { values[key] = value }
        return try SidecarConfig(values: values)
    }

    init(values: [String: String]) throws {
        func value(_ key: String, _ fallback: String? = nil) throws -> String {
            guard let value = values[key] ?? fallback, !value.isEmpty else {
                throw Error(key: key, problem: "is required")
            }
            return value
        }
        func hostPort(_ key: String, _ fallback: String) throws -> (String, Int) {
            let text = try value(key, fallback)
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
                (0...65_535).contains(port)
            else {
                throw Error(key: key, problem: "must be host:port, got \"\(text)\"")
            }
            return (String(text[..<colon]), port)
        }
        func integer(_ key: String, _ fallback: Int, _ range: ClosedRange<Int>) throws -> Int {
            guard let text = values[key] else { return fallback }
            guard let number = Int(text), range.contains(number) else {
                throw Error(
                    key: key,
                    problem: "must be a whole number from \(range.lowerBound) to \(range.upperBound), got \"\(text)\"")
            }
            return number
        }
        let (host, port) = try hostPort("listen", "127.0.0.1:50443")
        adminListen = try hostPort("admin_listen", "127.0.0.1:9443")
        let upstreamText = try value("upstream", "127.0.0.1:50051")
        let upstream: SidecarSettings.Upstream
        if upstreamText.hasPrefix("unix:") {
            upstream = .unix(path: String(upstreamText.dropFirst(5)))
        } else {
            let (upstreamHost, upstreamPort) = try hostPort("upstream", upstreamText)
            upstream = .tcp(host: upstreamHost, port: upstreamPort)
        }
        let target = try value("target", "wallet/tron-payment").split(separator: "/").map(String.init)
        guard target.count == 2 else { throw Error(key: "target", problem: "must be plane/service") }
        let trustDomain = try value("trust_domain", "lucid")
        guard SpiffeID.isName(trustDomain) else {
            throw Error(key: "trust_domain", problem: "must be a simple name, got \"\(trustDomain)\"")
        }
        let tls = SidecarServer.TLSFiles(
            certificate: try value("tls.cert"), key: try value("tls.key"), caBundle: try value("tls.ca"))
        for (key, path) in [("tls.cert", tls.certificate), ("tls.key", tls.key), ("tls.ca", tls.caBundle)] {
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw Error(key: key, problem: "\(path) cannot be read")
            }
        }
        settings = SidecarSettings(
            listenHost: host, listenPort: port, tls: tls, trustDomain: trustDomain, targetPlane: target[0],
            targetService: target[1], upstream: upstream, policyPath: try value("policy", "acl/wallet_plane.acl"))
        (settings.adminGRPCHost, settings.adminGRPCPort) = try hostPort("admin_grpc_listen", "127.0.0.1:9444")
        settings.probe.interval = .milliseconds(try integer("probe.interval_ms", 1_000, 50...60_000))
        settings.probe.timeout = .milliseconds(try integer("probe.timeout_ms", 1_000, 50...60_000))
        settings.probe.healthyThreshold = try integer("probe.healthy_threshold", 1, 1...100)
        settings.probe.unhealthyThreshold = try integer("probe.unhealthy_threshold", 2, 1...100)
        registryKind = try value("registry.kind", "embedded")
        guard ["embedded", "etcd"].contains(registryKind) else {
            throw Error(key: "registry.kind", problem: "must be embedded or etcd, got \"\(registryKind)\"")
        }
        etcdURL = try value("registry.etcd_url", "http://127.0.0.1:2379")
        leaseTTLSeconds = try integer("registry.lease_ttl_seconds", 5, 2...600)
        logLevel = try value("log.level", "info")
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) else {
            throw Error(
                key: "log.level", problem: "must be one of trace, debug, info, notice, warning, error, critical")
        }
    }
}
