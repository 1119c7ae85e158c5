/// An operation's access and ownership rules, resolved once when the gateway starts, so that no request looks an
/// operation id up in a table and an operation the tables do not declare never serves (fail closed).
struct OperationPolicy: Sendable {
    /// The operation id, for messages.
    let operationID: String
    /// The permission `AccessPolicy` names and the roles that hold it.
    let access: (permission: String, roles: Set<Role>)
    /// How the scoped roles are confined to their own payouts.
    let ownership: OwnershipRule

    /// The declared rules of `operationID`; throws naming the operation and the table that lacks it.
    init(operationID: String) throws(GatewayPolicyError) {
        guard let access = AccessPolicy.permissions[operationID] else {
            throw GatewayPolicyError(operationID: operationID, problem: "has no entry in AccessPolicy.permissions")
        }
        guard let ownership = Ownership.rules[operationID] else {
            throw GatewayPolicyError(operationID: operationID, problem: "has no rule in Ownership.rules")
        }
        self.operationID = operationID
        self.access = access
        self.ownership = ownership
    }

    /// Whether the rule checks payouts through `Ownership.payoutLookupOperation`.
    var needsPayoutLookup: Bool {
        switch ownership {
        case .payoutInPath, .statusesOfOwnPayouts: true
        default: false
        }
    }

    /// Refuses (403) a role the operation is not open to, or a scoped role the ownership rule does not confine;
    /// the rule to apply, nil when the principal sees everything.
    func authorize(_ principal: Principal) throws(RESTError) -> OwnershipRule? {
        try AccessPolicy.authorize(principal, operation: operationID, entry: access)
        return try Ownership.rule(ownership, operation: operationID, role: principal.role)
    }

    /// The policy of every operation, and the payout lookup when a rule needs it; throws for the first operation
    /// without declared rules, or a rule that needs the lookup when `operations` lacks it.
    static func resolve(_ operations: [RESTOperation]) throws(GatewayPolicyError) -> (
        policies: [OperationPolicy], payoutLookup: PayoutLookup?
    ) {
        var policies: [OperationPolicy] = []
        for operation in operations { policies.append(try OperationPolicy(operationID: operation.operationID)) }
        let lookup = operations.first { $0.operationID == Ownership.payoutLookupOperation }.map(PayoutLookup.init)
        if lookup == nil, let needing = policies.first(where: \.needsPayoutLookup) {
            throw GatewayPolicyError(
                operationID: needing.operationID,
                problem: "checks payout owners through \(Ownership.payoutLookupOperation), which is not served")
        }
        return (policies, lookup)
    }
}

/// The gateway refuses to start: an operation of the shim has no declared access or ownership rule.
public struct GatewayPolicyError: Error, Sendable, CustomStringConvertible {
    /// The operation id lacking a rule.
    public var operationID: String
    /// What is missing.
    public var problem: String
    /// "operation X has no rule in Ownership.rules" and the like.
    public var description: String { "operation \(operationID) \(problem)" }
}
