import Foundation
import Logging
import Metrics
import NIOConcurrencyHelpers
import SidecarACL

/// What every proxied stream needs: the policy, the upstream, its health, who we guard.
struct SidecarContext: Sendable {
    let trustDomain: String
    let targetPlane: String
    let targetService: String
    let policy: PolicyStore
    let upstream: UpstreamConnection
    let health: UpstreamHealth
    let logger: Logger
    let metrics: SidecarMetrics
}

/// The current ACL, reloaded on SIGHUP and when the file changes. A bad new file keeps the last good policy, is
/// logged with its error and counted in `sidecar_policy_reload_failures_total`.
public final class PolicyStore: Sendable {
    /// The ACL file this store reads.
    public let path: String
    private let state: NIOLockedValueBox<(policy: ACLPolicy, modified: Date?)>
    private let logger: Logger

    /// Loads the policy or throws its parse error (a bad policy at start stops the sidecar).
    public init(path: String, logger: Logger) throws {
        self.path = path
        self.logger = logger
        let policy = try ACLParser.parse(file: path)
        state = NIOLockedValueBox((policy, Self.modificationDate(path)))
        Gauge(label: "sidecar_policy_rules").record(policy.rules.count)
    }

    /// The policy in force: the last one that parsed.
    public var current: ACLPolicy { state.withLockedValue { $0.policy } }

    /// Re-reads the file; returns whether the new policy is in force.
    @discardableResult
    public func reload(reason: String) -> Bool {
        let modified = Self.modificationDate(path)
        do {
            let policy = try ACLParser.parse(file: path)
            state.withLockedValue { $0 = (policy, modified) }
            Gauge(label: "sidecar_policy_rules").record(policy.rules.count)
            logger.notice(
                "policy reloaded",
                metadata: ["path": "\(path)", "rules": "\(policy.rules.count)", "reason": "\(reason)"])
            return true
        } catch {
            state.withLockedValue { $0.modified = modified }
            Counter(label: "sidecar_policy_reload_failures_total").increment()
            logger.error("policy reload failed; keeping the last good policy", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// Reloads when the file's modification time changed since the last load or attempt.
    public func reloadIfChanged() {
        let modified = Self.modificationDate(path)
        let known = state.withLockedValue { $0.modified }
        if modified != known { reload(reason: "file changed") }
    }

    static func modificationDate(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }
}

/// Whether the upstream answers its health check, as the prober last saw it.
public final class UpstreamHealth: Sendable {
    private let serving = NIOLockedValueBox(false)
    /// Not serving until the prober sees a healthy upstream.
    public init() {}
    /// Whether the upstream passed its last health verdict; false before the first.
    public var isServing: Bool { serving.withLockedValue { $0 } }
    func set(_ value: Bool) {
        serving.withLockedValue { $0 = value }
        Gauge(label: "sidecar_upstream_healthy").record(value ? 1 : 0)
    }
}
