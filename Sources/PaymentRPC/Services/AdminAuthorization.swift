import GRPCCore
import PaymentCore

/// Who may call AdminService, decided inside payment-rpc so that a wrong sidecar ACL alone cannot open it.
public struct AdminAuthorization: Sendable, Equatable {
    /// The identities ("plane/service", key `admin.allowed_callers`) that may call it; a user asserted on top of an
    /// allowed identity does not change the decision.
    public var allowedCallers: Set<String>
    /// Whether a call without identity is allowed: in development only, for tools and tests that call
    /// payment-rpc directly (outside development such calls never get here: they are UNAUTHENTICATED).
    public var allowsAnonymous: Bool
    /// The service named in refusals.
    public var service = "AdminService"
    /// The configuration key that lists the callers, named in refusals.
    public var configKey = "admin.allowed_callers"
    /// When set, a call for an end user (an allowed caller asserting `x-lucid-user-id`, e.g. the gateway) must
    /// also carry this `x-lucid-user-role`: a gateway whose own role check failed cannot open the service to anyone.
    public var requiredUserRole: String?

    /// Explicit rules, for tests; the server uses `init(config:)`.
    public init(
        allowedCallers: Set<String>, allowsAnonymous: Bool, service: String = "AdminService",
        configKey: String = "admin.allowed_callers"
    ) {
        self.allowedCallers = allowedCallers
        self.allowsAnonymous = allowsAnonymous
        self.service = service
        self.configKey = configKey
    }

    /// The rules of TreasuryService (`treasury.allowed_callers`).
    public static func treasury(config: PaymentRPCConfig) -> AdminAuthorization {
        var rules = AdminAuthorization(
            allowedCallers: config.treasury.allowedCallers, allowsAnonymous: !config.environment.requiresSidecar,
            service: "TreasuryService", configKey: "treasury.allowed_callers")
        rules.requiredUserRole = "admin"
        return rules
    }

    /// The rules a configuration describes.
    public init(config: PaymentRPCConfig) {
        self.init(allowedCallers: config.adminAllowedCallers, allowsAnonymous: !config.environment.requiresSidecar)
    }

    /// Refuses a caller that is not allowed: PERMISSION_DENIED naming the identity (UNAUTHENTICATED without one).
    public func authorize(_ metadata: Metadata, method: String) throws(RPCError) {
        let caller: CallerIdentity
        do {
            caller = try CallerIdentity(metadata: metadata)
        } catch {
            throw RPCError(error)
        }
        guard let name = caller.callerName else {
            guard allowsAnonymous else {
                throw RPCError(
                    code: .unauthenticated, message: "\(service).\(method) needs the caller identity the sidecar sets"
                )
            }
            return
        }
        guard allowedCallers.contains(name) else {
            throw RPCError(
                code: .permissionDenied,
                message: "\(name) may not call \(service).\(method): it is not listed in \(configKey)")
        }
        if let requiredUserRole, caller.userID != nil, caller.userRole != requiredUserRole {
            throw RPCError(
                code: .permissionDenied,
                message: "\(service).\(method) for a user needs the \(requiredUserRole) role, the call carries "
                    + "\(caller.userRole.map { "role \($0)" } ?? "no role")")
        }
    }
}
