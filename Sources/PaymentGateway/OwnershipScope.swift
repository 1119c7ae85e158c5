import Foundation
import GRPCCore

/// Reads who requested a payout through the `Ownership.payoutLookupOperation` operation.
struct PayoutLookup: Sendable {
    let operation: RESTOperation

    /// Whether payment-rpc recorded the payout as requested by `owner`; false when it does not exist.
    func owned(_ payoutID: String, owner: String, metadata: Metadata, options: CallOptions) async throws -> Bool {
        let json = try operation.requestJSON(body: [], query: [], path: ["payout_id": payoutID])
        do {
            let answer = try await operation.call(json, metadata, options)
            return Ownership.owns(answer, keyPath: ["requestedBy"], owner: owner)
        } catch let error as RPCError where error.code == .notFound {
            return false
        } catch let error as RPCError {
            throw RESTError(error)
        }
    }
}

/// One request's ownership rule, applied at the three points it can act: the query before the request is
/// built, the payout named by the path before the call, and the answer after it. The only place the handler
/// consults ownership; a nil rule (admin, service) changes nothing.
struct OwnershipScope: Sendable {
    let rule: OwnershipRule?
    /// The caller's `requested_by` (`Ownership.owner`).
    let owner: String
    let lookup: PayoutLookup?

    /// A `filteredList` query forced to the caller (another owner asked for: 403).
    func query(_ query: [(String, String)]) throws(RESTError) -> [(String, String)] {
        guard case .filteredList(let parameter) = rule else { return query }
        return try Ownership.ownQuery(query, parameter: parameter, owner: owner)
    }

    /// For `payoutInPath`: a payout the caller does not own is answered as one that does not exist (404).
    func beforeCall(path: [String: String], metadata: Metadata, options: CallOptions) async throws {
        guard case .payoutInPath(let parameter) = rule, let payoutID = path[parameter] else { return }
        guard try await owned(payoutID, metadata: metadata, options: options) else {
            throw RESTError(status: 404, code: .notFound, message: "payout \(payoutID) does not exist")
        }
    }

    /// The answer confined to the caller: another's resource is a 404, others' statuses become not found.
    func answer(
        _ output: [UInt8], requestJSON: [UInt8], path: [String: String], metadata: Metadata, options: CallOptions
    ) async throws -> [UInt8] {
        switch rule {
        case .ownerInAnswer(let keyPath, let resource, let parameter):
            guard Ownership.owns(output, keyPath: keyPath, owner: owner) else {
                throw RESTError(
                    status: 404, code: .notFound, message: "\(resource) \(path[parameter] ?? "") does not exist")
            }
            return output
        case .statusesOfOwnPayouts:
            let request = try? JSONSerialization.jsonObject(with: Data(requestJSON)) as? [String: Any]
            return try await Ownership.ownStatuses(output, requestedIDs: request?["payoutIds"] as? [String] ?? []) {
                id in
                try await self.owned(id, metadata: metadata, options: options)
            }
        default:
            return output
        }
    }

    private func owned(_ payoutID: String, metadata: Metadata, options: CallOptions) async throws -> Bool {
        // `OperationPolicy.resolve` refused to start without the lookup when a rule needs it.
        guard let lookup else { return false }
        return try await lookup.owned(payoutID, owner: owner, metadata: metadata, options: options)
    }
}
