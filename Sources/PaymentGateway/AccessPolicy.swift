/// Which roles may call which operation (DESIGN's table) and the permission each names.
public enum AccessPolicy {
    /// Operation id → the permission it needs (named in refusals) and the roles holding it.
    public static let permissions: [String: (permission: String, roles: Set<Role>)] = [
        "CreatePayout": ("payment:create", [.admin, .nodeOperator, .service]),
        "GetPayout": ("payment:read", Set(Role.allCases)),
        "ListPayouts": ("payment:list", Set(Role.allCases)),
        "CancelPayout": ("payment:create", [.admin, .service]),
        "CreateBatch": ("payment:create", [.admin, .service]),
        "GetBatch": ("payment:read", [.admin, .service, .nodeOperator]),
        "GetTransactionStatus": ("payment:read", Set(Role.allCases)),
        "BatchGetTransactionStatus": ("payment:read", [.admin, .service, .nodeOperator]),
        "GetStats": ("payment:stats", [.admin]),
        "GetBreaker": ("payment:admin", [.admin]),
        "TripBreaker": ("payment:admin", [.admin]),
        "ResetBreaker": ("payment:admin", [.admin]),
        "GetHotWallet": ("payment:treasury", [.admin]),
        "GetNetwork": ("payment:treasury", [.admin]),
        "EstimatePayoutCost": ("payment:treasury", [.admin]),
        "Stake": ("payment:treasury", [.admin]),
        "Unstake": ("payment:treasury", [.admin]),
        "WithdrawUnstaked": ("payment:treasury", [.admin]),
        "DelegateResource": ("payment:treasury", [.admin]),
        "UndelegateResource": ("payment:treasury", [.admin]),
        "GetTreasuryOperation": ("payment:treasury", [.admin]),
    ]

    /// Throws 403 (naming the role, the permission and the operation) unless the principal's role may call the
    /// operation; an operation missing from the table is refused to everyone.
    public static func authorize(_ principal: Principal, operation: String) throws(RESTError) {
        try authorize(principal, operation: operation, entry: permissions[operation])
    }

    /// `authorize(_:operation:)` with the operation's entry already looked up (nil: none declared).
    static func authorize(
        _ principal: Principal, operation: String, entry: (permission: String, roles: Set<Role>)?
    ) throws(RESTError) {
        guard let entry, entry.roles.contains(principal.role) else {
            throw RESTError(
                status: 403, code: .permissionDenied,
                message: "role \(principal.role.rawValue) lacks \(entry?.permission ?? "permission") for \(operation)")
        }
    }
}
