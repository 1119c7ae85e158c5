import Foundation
import Synchronization

/// Fixed one-minute windows per (operation, principal). Seed figures: create 10, get 60, list 30, batch 5,
/// stats 20, health 120 a minute.
public final class RateLimiter: Sendable {
    public static let seedLimits: [String: Int] = [
        "CreatePayout": 10, "GetPayout": 60, "GetTransactionStatus": 60, "GetBatch": 60, "ListPayouts": 30,
        "BatchGetTransactionStatus": 30, "CancelPayout": 10, "CreateBatch": 5, "GetStats": 20, "GetBreaker": 20,
        "TripBreaker": 5, "ResetBreaker": 5, "health": 120,
    ]

    private let limits: [String: Int]
    private let windows = Mutex<[String: (start: Int64, count: Int)]>([:])
    private let enabled: Bool

    public init(limits: [String: Int] = seedLimits, enabled: Bool = true) {
        self.limits = limits
        self.enabled = enabled
    }

    /// The RateLimit-* headers to send; throws 429 with Retry-After when the window is used up.
    public func admit(operation: String, principal: String, now: Date = Date()) throws(RESTError) -> [(String, String)] {
        guard enabled, let limit = limits[operation] else { return [] }
        let second = Int64(now.timeIntervalSince1970)
        let start = second - second % 60
        let reset = Int(start + 60 - second)
        let key = "\(operation)\u{0}\(principal)"
        let count = windows.withLock { windows -> Int in
            var window = windows[key] ?? (start, 0)
            if window.start != start { window = (start, 0) }
            window.count += 1
            windows[key] = window
            return window.count
        }
        let headers = [
            ("RateLimit-Limit", String(limit)), ("RateLimit-Remaining", String(max(0, limit - count))),
            ("RateLimit-Reset", String(reset)),
        ]
        guard count <= limit else {
            throw RESTError(
                status: 429, code: 8, message: "rate limit: at most \(limit) \(operation) requests a minute; retry in \(reset) s",
                headers: headers + [("Retry-After", String(reset))])
        }
        return headers
    }
}
