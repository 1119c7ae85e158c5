import PaymentCore

/// One create a group commit carries, for either store.
package enum CreateOperation: Sendable {
    case payout(NewPayout, LimitPolicy)
    case batch(NewBatch, LimitPolicy)
}

/// What one create of a group commit stored or found.
package enum CreateResult: Sendable {
    case payout(CreateOutcome<Payout>)
    case batch(CreateOutcome<BatchWithPayouts>)
}

extension GroupCommitter where Operation == CreateOperation, Output == CreateResult {
    /// Queues a single payout for the next group commit and waits until it is durable.
    package func createPayout(_ new: NewPayout, limits: LimitPolicy) async throws -> CreateOutcome<Payout> {
        guard case .payout(let outcome) = try await submit(.payout(new, limits)) else {
            preconditionFailure("group commit returned a batch result for a payout")
        }
        return outcome
    }

    /// Queues a batch for the next group commit and waits until it is durable.
    package func createBatch(_ new: NewBatch, limits: LimitPolicy) async throws -> CreateOutcome<BatchWithPayouts> {
        guard case .batch(let outcome) = try await submit(.batch(new, limits)) else {
            preconditionFailure("group commit returned a payout result for a batch")
        }
        return outcome
    }
}
