/// Who asked for a payout, as proven by the sidecar and passed in `x-lucid-*` metadata.
public struct CallerIdentity: Sendable, Equatable {
    public var plane: String?
    public var service: String?
    public var userID: String?
    public var userRole: String?

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
