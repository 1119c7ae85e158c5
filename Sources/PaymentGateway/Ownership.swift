import Foundation
import GRPCCore

/// How an operation is confined to the caller's own payouts for the roles that see only their own (DESIGN's
/// table: node operators and end users). A payout is the caller's when payment-rpc recorded it as requested by
/// that subject through this gateway (`<gateway identity>/user:<subject>`); another's is answered as if it did not
/// exist (404), never as forbidden, so ids cannot be probed.
public enum OwnershipRule: Sendable, Equatable {
    /// Nothing to confine: the operation records the caller as the owner of what it creates.
    case createsOwn
    /// Scoped roles may not call it at all, whatever the role table says (defence in depth: a role table edit
    /// alone cannot open an unconfined operation to them).
    case unscopedRolesOnly
    /// The answer names its owner at this JSON key path; another's answer becomes a 404 naming `resource` and the
    /// path parameter's value.
    case ownerInAnswer(keyPath: [String], resource: String, parameter: String)
    /// The path parameter names a payout whose owner is looked up before the call; another's is a 404.
    case payoutInPath(parameter: String)
    /// A list filtered by this query parameter, forced to the caller; asking for another owner is a 403.
    case filteredList(queryParameter: String)
    /// Statuses of several payouts (`statuses[].payoutId`): another's are moved to `notFoundIds`, as unknown ids.
    case statusesOfOwnPayouts
}

/// The ownership table: one rule per operation, resolved once at start (`OperationPolicy`) and applied by
/// `OwnershipScope`.
public enum Ownership {
    /// The roles that see only their own payouts.
    public static let scopedRoles: Set<Role> = [.endUser, .nodeOperator]

    /// One rule per operation id of the generated shim.
    ///
    /// GetBatch: node operators may call it (DESIGN's table), but see a batch only when it was requested by them;
    /// batches are created by admin and service callers, whose payouts are not the operator's, so in practice a
    /// node operator gets 404 for every batch today. Showing them others' batches would show others' payouts.
    public static let rules: [String: OwnershipRule] = [
        "CreatePayout": .createsOwn,
        "GetPayout": .ownerInAnswer(keyPath: ["requestedBy"], resource: "payout", parameter: "payout_id"),
        "ListPayouts": .filteredList(queryParameter: "requestedBy"),
        "CancelPayout": .unscopedRolesOnly,
        "CreateBatch": .unscopedRolesOnly,
        "GetBatch": .ownerInAnswer(keyPath: ["batch", "requestedBy"], resource: "batch", parameter: "batch_id"),
        "GetTransactionStatus": .payoutInPath(parameter: "payout_id"),
        "BatchGetTransactionStatus": .statusesOfOwnPayouts,
        "GetStats": .unscopedRolesOnly,
        "GetBreaker": .unscopedRolesOnly,
        "TripBreaker": .unscopedRolesOnly,
        "ResetBreaker": .unscopedRolesOnly,
        "GetHotWallet": .unscopedRolesOnly,
        "GetNetwork": .unscopedRolesOnly,
        "EstimatePayoutCost": .unscopedRolesOnly,
        "Stake": .unscopedRolesOnly,
        "Unstake": .unscopedRolesOnly,
        "WithdrawUnstaked": .unscopedRolesOnly,
        "DelegateResource": .unscopedRolesOnly,
        "UndelegateResource": .unscopedRolesOnly,
        "GetTreasuryOperation": .unscopedRolesOnly,
    ]

    /// The rule to apply for this principal: nil when it sees everything (admin, service). A scoped role calling
    /// an operation without a rule, or one for unscoped roles only, is refused (fail closed).
    public static func rule(for operation: String, role: Role) throws(RESTError) -> OwnershipRule? {
        try rule(rules[operation], operation: operation, role: role)
    }

    /// `rule(for:role:)` with the operation's rule already looked up (nil: none declared).
    static func rule(_ rule: OwnershipRule?, operation: String, role: Role) throws(RESTError) -> OwnershipRule? {
        guard scopedRoles.contains(role) else { return nil }
        guard let rule, rule != .unscopedRolesOnly else {
            throw RESTError(
                status: 403, code: .permissionDenied,
                message: "role \(role.rawValue) may not call \(operation): it sees only its own payouts")
        }
        return rule
    }

    /// The operation whose answer names a payout's owner (`requestedBy`), looked up by the rules that check a
    /// payout before or after the call (`payoutInPath`, `statusesOfOwnPayouts`).
    public static let payoutLookupOperation = "GetPayout"

    /// The `requested_by` payment-rpc records for this subject through the gateway.
    public static func owner(subject: String, gatewayIdentity: String) -> String {
        "\(gatewayIdentity)/user:\(subject)"
    }

    /// The query forced to the caller's own rows: a different owner asked for is a 403.
    public static func ownQuery(
        _ query: [(String, String)], parameter: String, owner: String
    ) throws(RESTError) -> [(String, String)] {
        if let asked = query.first(where: { $0.0 == parameter }), asked.1 != owner {
            throw RESTError(status: 403, code: .permissionDenied, message: "you may list only your own payouts")
        }
        return query.filter { $0.0 != parameter } + [(parameter, owner)]
    }

    /// Whether the JSON object names `owner` at `keyPath`.
    public static func owns(_ json: [UInt8], keyPath: [String], owner: String) -> Bool {
        var value: Any? = try? JSONSerialization.jsonObject(with: Data(json))
        for key in keyPath { value = (value as? [String: Any])?[key] }
        return (value as? String) == owner
    }

    /// A BatchGetTransactionStatus answer keeping only the statuses whose payout `isOwn` says is the caller's;
    /// the others' ids join `notFoundIds`, in request order.
    public static func ownStatuses(
        _ json: [UInt8], requestedIDs: [String], isOwn: @escaping @Sendable (String) async throws -> Bool
    ) async throws -> [UInt8] {
        guard var object = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any] else {
            throw RESTError(status: 500, code: .internalError, message: "internal error: unreadable status answer")
        }
        let statuses = object["statuses"] as? [[String: Any]] ?? []
        let ids = statuses.map { $0["payoutId"] as? String ?? "" }
        let own = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
            for (index, id) in ids.enumerated() { group.addTask { (index, try await isOwn(id)) } }
            var own = [Bool](repeating: false, count: ids.count)
            for try await (index, mine) in group { own[index] = mine }
            return own
        }
        let hidden = Set(ids.indices.filter { !own[$0] }.map { ids[$0] })
        let notFound = Set(object["notFoundIds"] as? [String] ?? []).union(hidden)
        var seen = Set<String>()
        let ordered = requestedIDs.filter { notFound.contains($0) && seen.insert($0).inserted }
        object["statuses"] = statuses.indices.filter { own[$0] }.map { statuses[$0] }
        object["notFoundIds"] = ordered
        if (object["statuses"] as? [Any])?.isEmpty == true { object.removeValue(forKey: "statuses") }
        if ordered.isEmpty { object.removeValue(forKey: "notFoundIds") }
        return [UInt8](try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }
}
