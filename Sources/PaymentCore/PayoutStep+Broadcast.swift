import Foundation

extension PayoutStep {
    /// A node's answer to a broadcast (TRON.md §4.3 codes).
    public enum BroadcastAnswer: Sendable, Equatable {
        /// `result: true` / SUCCESS.
        case accepted
        /// DUP_TRANSACTION_ERROR: the node already has these bytes, so they were accepted before.
        case duplicate
        /// Any other code, with the node's message.
        case refused(code: String, message: String)
        /// No answer (transport error, timeout): the bytes may or may not have reached the node.
        case unanswered(String)
    }

    /// What is known about whether a transaction's bytes were ever accepted by a node.
    public enum BroadcastHistory: Sendable, Equatable {
        /// Freshly signed bytes on their first send in this process: they never left it before.
        case freshBytes
        /// SIGNED in the ledger: sent before (maybe before a crash) without a known answer, so maybe accepted.
        case unknown
        /// BROADCAST in the ledger: a node accepted these bytes.
        case accepted
    }

    /// What the breaker hears from a failure.
    public enum BreakerEffect: Sendable, Equatable {
        /// Nothing to count: the failure says nothing about the key, the signer or the payout itself.
        case none
        /// Counts a failed outcome.
        case recordFailure
        /// Opens the breaker: something is wrong with the key or the signer.
        case trip(reason: String)
    }

    /// What to do after a broadcast answer.
    public enum BroadcastAction: Sendable, Equatable {
        /// Accepted (now or before): SIGNED → BROADCAST.
        case recordBroadcast
        /// Refused for good and never accepted by anyone: the payout fails.
        case fail(reason: String, breaker: BreakerEffect)
        /// Keep the transaction live, send the same bytes again no earlier than `retryAt`, and keep looking it up;
        /// only rule 1 or a receipt ends it.
        case retryLater(retryAt: Date, note: String, breaker: BreakerEffect)
    }

    /// The codes that mean "these bytes will never be accepted" when a node is honest.
    static let permanentRefusals: Set<String> = [
        "SIGERROR", "CONTRACT_VALIDATE_ERROR", "CONTRACT_EXE_ERROR", "TOO_BIG_TRANSACTION_ERROR",
    ]

    /// Decides from a broadcast answer. Rule 7: a refusal fails a payout only on the first send of fresh bytes;
    /// bytes that were (or may have been) accepted before stay live until a receipt or rule 1 ends them, because
    /// the first broadcast may still land.
    public static func decideBroadcast(
        _ answer: BroadcastAnswer, history: BroadcastHistory, now: Date, settings: Settings
    ) -> BroadcastAction {
        let retryAt = now.addingTimeInterval(settings.rebroadcastInterval)
        switch answer {
        case .accepted, .duplicate:
            return .recordBroadcast
        case .unanswered(let error):
            return .retryLater(retryAt: retryAt, note: "broadcast unanswered: \(error)", breaker: .none)
        case .refused(let code, let message):
            let note = "\(code): \(message)"
            let breaker: BreakerEffect =
                code == "SIGERROR" ? .trip(reason: "the node refused a payout signature (SIGERROR)") : .recordFailure
            guard permanentRefusals.contains(code) else {
                // TAPOS / EXPIRATION: retired once provably dead; SERVER_BUSY, BANDWITH_ERROR and the rest: later.
                return .retryLater(retryAt: retryAt, note: note, breaker: .none)
            }
            if history == .freshBytes { return .fail(reason: note, breaker: breaker) }
            // Refused now, but a node accepted (or may have accepted) these bytes before: they may still land.
            // A SIGERROR still opens the breaker so nothing new is signed while someone looks.
            if case .trip = breaker { return .retryLater(retryAt: retryAt, note: note, breaker: breaker) }
            return .retryLater(retryAt: retryAt, note: note, breaker: .none)
        }
    }
}
