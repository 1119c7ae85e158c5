import Foundation

extension PayoutStep {
    /// Seconds to wait before signing attempt `attempt + 1` after `attempt` transactions were retired: 2 s
    /// doubling up to 60 s, times a jitter factor from 0.5 to 1 made from `random` (a value in [0, 1), injected so
    /// the step stays pure).
    public static func retryDelay(attempt: Int, random: Double) -> TimeInterval {
        let exponent = Double(min(max(attempt, 1), 16) - 1)
        let ceiling = min(60.0, 2.0 * pow(2.0, exponent))
        let jitter = random.isFinite ? min(max(random, 0), 1) : 0
        return ceiling * (0.5 + 0.5 * jitter)
    }
}
