/// Who asked for a payout, as proven by the sidecar and passed in `x-lucid-*` metadata.
public struct CallerIdentity: Sendable, Equatable {
    /// The caller's plane (`x-lucid-source-plane`, e.g. "ops"); nil without sidecar identity (development only).
    public var plane: String?
    /// The caller's service in its plane (`x-lucid-source-service`, e.g. "api-gateway"); set exactly when `plane` is.
    public var service: String?
    /// The end user the caller acts for (`x-lucid-user-id`); only callers the sidecar ACL allows may assert one. Part
    /// of `requestedBy`, so each user has an idempotency scope of their own.
    public var userID: String?
    /// The end user's role (`x-lucid-user-role`); needs `userID`. Carried for the record, not part of `requestedBy`.
    public var userRole: String?

    /// An identity as read from metadata (`CallerIdentity(metadata:)` in PaymentRPC checks the headers); all nil is an
    /// anonymous caller.
    public init(plane: String? = nil, service: String? = nil, userID: String? = nil, userRole: String? = nil) {
        self.plane = plane
        self.service = service
        self.userID = userID
        self.userRole = userRole
    }

    /// "<plane>/<service>", plus "/user:<id>" when a user is asserted; "anonymous" without identity metadata.
    public var requestedBy: String {
        guard let plane, let service else { return "anonymous" }
        let base = "\(plane)/\(service)"
        return userID.map { "\(base)/user:\($0)" } ?? base
    }
}
