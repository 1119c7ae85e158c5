import Foundation
import Logging
import ServerSupport

/// beta-sidecar's configuration: a YAML file, then `BETA_SIDECAR_<KEY>` environment variables (dots as
/// underscores), then command-line flags keyed by config key, checked against `schema` and validated at start.
/// Every error names the key and what is allowed.
public struct SidecarConfig: Sendable {
    /// Where the sidecar's instance is registered (`registry.kind`).
    public enum RegistryKind: String, Sendable, CaseIterable {
        /// Kept by this sidecar, served at `/registry` and by the admin gRPC API.
        case embedded
        /// Shared through etcd (`registry.etcd_url`), one lease per sidecar.
        case etcd
    }

    /// Every key the sidecar reads, with its default. `admin_listen` and `admin_grpc_listen` were renamed to the
    /// dotted style; the old names still work for this release, with a warning.
    public static let schema = ConfigSchema(
        program: "beta-sidecar", environmentPrefix: "BETA_SIDECAR_",
        keys: [
            ConfigKey("listen", "the mTLS listener callers dial, host:port (default 127.0.0.1:50443)"),
            ConfigKey(
                "admin.listen", "admin HTTP: /live, /ready, /metrics, /registry, host:port (default 127.0.0.1:9443)"),
            ConfigKey("admin.grpc_listen", "loopback gRPC registry API, host:port (default 127.0.0.1:9444)"),
            ConfigKey("upstream", "the guarded gRPC server, h2c: host:port or unix:/path (default 127.0.0.1:50051)"),
            ConfigKey("target", "the guarded service, plane/service (default wallet/tron-payment)"),
            ConfigKey("policy", "the plane ACL file (default acl/wallet_plane.acl)"),
            ConfigKey("trust_domain", "the SPIFFE trust domain callers must belong to, a simple name (default lucid)"),
            ConfigKey("tls.cert", "this sidecar's certificate, PEM, must be readable (required)"),
            ConfigKey("tls.key", "its private key, PEM, must be readable (required)"),
            ConfigKey("tls.ca", "the CA bundle client certificates must chain to, PEM, must be readable (required)"),
            ConfigKey("probe.interval_ms", "milliseconds between upstream health checks, 50–60000 (default 1000)"),
            ConfigKey("probe.timeout_ms", "deadline of one health check in milliseconds, 50–60000 (default 1000)"),
            ConfigKey("probe.healthy_threshold", "successes in a row that mark it healthy, 1–100 (default 1)"),
            ConfigKey("probe.unhealthy_threshold", "failures in a row that mark it unhealthy, 1–100 (default 2)"),
            ConfigKey("registry.kind", "embedded or etcd (default embedded)"),
            ConfigKey("registry.etcd_url", "etcd's client URL, for registry.kind etcd (default http://127.0.0.1:2379)"),
            ConfigKey("registry.lease_ttl_seconds", "etcd lease time to live in seconds, 2–600 (default 5)"),
            ConfigKey("log.level", "trace, debug, info, notice, warning, error or critical (default info)"),
        ],
        renamedKeys: ["admin_listen": "admin.listen", "admin_grpc_listen": "admin.grpc_listen"])

    /// What the sidecar itself runs with: listeners, TLS files, target, upstream, policy, probe.
    public var settings: SidecarSettings
    /// The admin HTTP listener (`admin.listen`).
    public var adminListen: HostPort
    /// Where the instance is registered (`registry.kind`).
    public var registryKind: RegistryKind
    /// etcd's client URL (`registry.etcd_url`), used only when `registryKind` is etcd.
    public var etcdURL: String
    /// The etcd lease's time to live in seconds (`registry.lease_ttl_seconds`).
    public var leaseTTLSeconds: Int
    /// The log level (`log.level`).
    public var logLevel: Logger.Level
    /// One line per renamed key in use; log them once logging is bootstrapped.
    public var warnings: [String]

    /// Reads the file (if any), then the environment, then `overrides` (flag values keyed by config key), and
    /// validates. - Throws: `ConfigError` naming the key, the environment variable or the file that is wrong.
    public static func load(
        file: String?, environment: [String: String], overrides: [String: String]
    ) throws(ConfigError) -> SidecarConfig {
        try SidecarConfig(ConfigSource.load(schema, file: file, environment: environment, overrides: overrides))
    }

    /// Validates a loaded source key by key, in the order the sidecar always checked them (listeners, upstream,
    /// target, trust domain, TLS files, policy, probe, registry, log level), so with several bad values the same
    /// one is reported first. - Throws: `ConfigError` naming the first key whose value cannot be used.
    public init(_ source: ConfigSource) throws(ConfigError) {
        let listen = try Self.hostPort(source, "listen", default: HostPort(host: "127.0.0.1", port: 50_443))
        adminListen = try Self.hostPort(source, "admin.listen", default: HostPort(host: "127.0.0.1", port: 9_443))
        let upstreamText = try Self.text(source, "upstream", default: "127.0.0.1:50051")
        let upstream: SidecarSettings.Upstream
        if upstreamText.hasPrefix("unix:") {
            upstream = .unix(path: String(upstreamText.dropFirst(5)))
        } else {
            let address = try Self.hostPort(source, "upstream", default: HostPort(host: "127.0.0.1", port: 50_051))
            upstream = .tcp(host: address.host, port: address.port)
        }
        let targetText = try Self.text(source, "target", default: "wallet/tron-payment")
        guard let target = SpiffeID.planeAndService(targetText) else {
            throw ConfigError(key: "target", "must be plane/service, got \"\(targetText)\"")
        }
        let trustDomain = try Self.text(source, "trust_domain", default: "lucid")
        guard SpiffeID.isName(trustDomain) else {
            throw ConfigError(key: "trust_domain", "must be a simple name, got \"\(trustDomain)\"")
        }
        let tls = SidecarServer.TLSFiles(
            certificate: try source.required("tls.cert"), key: try source.required("tls.key"),
            caBundle: try source.required("tls.ca"))
        for (key, path) in [("tls.cert", tls.certificate), ("tls.key", tls.key), ("tls.ca", tls.caBundle)] {
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw ConfigError(key: key, "\(path) cannot be read")
            }
        }
        settings = SidecarSettings(
            listenHost: listen.host, listenPort: listen.port, tls: tls, trustDomain: trustDomain,
            targetPlane: target.plane, targetService: target.service, upstream: upstream,
            policyPath: try Self.text(source, "policy", default: "acl/wallet_plane.acl"))
        let adminGRPC = try Self.hostPort(
            source, "admin.grpc_listen", default: HostPort(host: "127.0.0.1", port: 9_444))
        (settings.adminGRPCHost, settings.adminGRPCPort) = (adminGRPC.host, adminGRPC.port)
        settings.probe.interval = .milliseconds(
            try source.integer("probe.interval_ms", in: 50...60_000, default: 1_000))
        settings.probe.timeout = .milliseconds(try source.integer("probe.timeout_ms", in: 50...60_000, default: 1_000))
        settings.probe.healthyThreshold = try source.integer("probe.healthy_threshold", in: 1...100, default: 1)
        settings.probe.unhealthyThreshold = try source.integer("probe.unhealthy_threshold", in: 1...100, default: 2)
        registryKind = try source.choice("registry.kind", default: RegistryKind.embedded)
        etcdURL = try Self.text(source, "registry.etcd_url", default: "http://127.0.0.1:2379")
        leaseTTLSeconds = try source.integer("registry.lease_ttl_seconds", in: 2...600, default: 5)
        logLevel = try source.logLevel(default: .info)
        warnings = source.warnings
    }

    /// The key's value or `fallback` when unset; set but empty is "is required" (as an empty value always was).
    static func text(_ source: ConfigSource, _ key: String, default fallback: String) throws(ConfigError) -> String {
        guard try source.string(key) != nil else { return fallback }
        return try source.required(key)
    }

    /// `host:port` or `fallback` when unset; set but empty is "is required".
    static func hostPort(
        _ source: ConfigSource, _ key: String, default fallback: HostPort
    ) throws(ConfigError) -> HostPort {
        guard try source.string(key) != nil else { return fallback }
        _ = try source.required(key)
        return try source.hostPort(key, default: fallback)
    }
}
