import Foundation
import GRPCCore
import Synchronization

/// Fixed one-minute windows per (operation, principal). Seed figures: create 10, get 60, list 30, batch 5,
/// stats 20, health 120 a minute.
///
/// Memory is bounded: counts live only for the current window, so a key idle for a window is forgotten when the
/// next window starts (forgetting it never changes a decision: its count would restart at zero anyway), and at
/// most `maxKeys` keys are tracked in one window. When that many distinct callers have been seen this minute, a
/// new caller is refused (429) until the window ends; callers already counted keep their counts (an active key
/// is never evicted, so flooding the limiter with new keys cannot reset anyone's limit).
public final class RateLimiter: Sendable {
    /// Requests a minute per (operation, principal): operation id → limit, plus "health" (per client address).
    /// The one source of the figures: the OpenAPI document's `x-rate-limit`s are generated from it
    /// (`openAPIOption`, printed by `payment-gateway rate-limits` for scripts/generate-openapi.sh).
    public static let seedLimits: [String: Int] = [
        "CreatePayout": 10, "GetPayout": 60, "GetTransactionStatus": 60, "GetBatch": 60, "ListPayouts": 30,
        "BatchGetTransactionStatus": 30, "CancelPayout": 10, "CreateBatch": 5, "GetStats": 20, "GetBreaker": 20,
        "TripBreaker": 5, "ResetBreaker": 5, "GetHotWallet": 20, "GetNetwork": 20, "EstimatePayoutCost": 20,
        "Stake": 5, "Unstake": 5, "WithdrawUnstaked": 5, "DelegateResource": 5, "UndelegateResource": 5,
        "GetTreasuryOperation": 30, "health": 120,
    ]

    /// The endpoint outside the REST operations that is limited too (per client address, not per principal).
    public static let healthOperation = "health"

    /// `seedLimits` of the REST operations as protoc-gen-lucid-rest's `rate_limits` option takes them,
    /// "Operation:perMinute;…" sorted by operation id (the health endpoint is not in the OpenAPI document).
    public static var openAPIOption: String {
        seedLimits.filter { $0.key != healthOperation }.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }
            .joined(separator: ";")
    }

    /// The default cap on the (operation, principal) keys tracked in one window.
    public static let defaultMaxKeys = 100_000

    private struct Key: Hashable {
        var operation: String
        var principal: String
    }

    /// The current window's counts; replaced whole when a later window starts.
    private struct Window {
        var start: Int64 = .min
        var counts: [Key: Int] = [:]

        /// Counts one request; nil when the key is new and the window already tracks `maxKeys` keys.
        mutating func count(_ key: Key, start: Int64, maxKeys: Int) -> Int? {
            if start > self.start {
                self.start = start
                counts = [:]
            }
            if let count = counts[key] {
                counts[key] = count + 1
                return count + 1
            }
            guard counts.count < maxKeys else { return nil }
            counts[key] = 1
            return 1
        }
    }

    private let limits: [String: Int]
    private let window = Mutex(Window())
    private let enabled: Bool
    private let maxKeys: Int

    /// A limiter with these per-minute limits; at most `maxKeys` (operation, principal) keys in one window.
    public init(limits: [String: Int] = seedLimits, enabled: Bool = true, maxKeys: Int = defaultMaxKeys) {
        precondition(maxKeys > 0, "maxKeys must be positive")
        self.limits = limits
        self.enabled = enabled
        self.maxKeys = maxKeys
    }

    /// How many keys the current window tracks (for tests and the bound).
    public var trackedKeys: Int { window.withLock { $0.counts.count } }

    /// The RateLimit-* headers to send; throws 429 with Retry-After when the window is used up.
    public func admit(operation: String, principal: String, now: Date = Date()) throws(RESTError) -> [(String, String)]
    {
        guard enabled, let limit = limits[operation] else { return [] }
        let second = Int64(now.timeIntervalSince1970)
        let start = second - second % 60
        let reset = Int(start + 60 - second)
        let key = Key(operation: operation, principal: principal)
        let counted = window.withLock { $0.count(key, start: start, maxKeys: maxKeys) }
        guard let count = counted else {
            throw RESTError(
                status: 429, code: .resourceExhausted,
                message: "rate limit: the gateway already tracks \(maxKeys) callers this minute; retry in \(reset) s",
                headers: [("Retry-After", String(reset))])
        }
        let headers = [
            ("RateLimit-Limit", String(limit)), ("RateLimit-Remaining", String(max(0, limit - count))),
            ("RateLimit-Reset", String(reset)),
        ]
        guard count <= limit else {
            throw RESTError(
                status: 429, code: .resourceExhausted,
                message: "rate limit: at most \(limit) \(operation) requests a minute; retry in \(reset) s",
                headers: headers + [("Retry-After", String(reset))])
        }
        return headers
    }
}
