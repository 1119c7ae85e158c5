import Foundation
import ServerSupport
import PaymentCore

// The keys that keep one node from causing a second payment, and the development clock:
//
// | key                       | type               | default | meaning                                           |
// |---------------------------|--------------------|---------|---------------------------------------------------|
// | `tron.cross_check_urls`   | list of URLs       | empty   | other full nodes that must agree before a retire  |
// | `tron.clock_tolerance_ms` | integer 0...600000 | 10000   | a solid block further ahead retires nothing       |
// | `development.clock_start` | RFC 3339 instant   | now     | development only: where the server's clock starts |
// | `development.clock_rate`  | integer 1...100000 | 1       | development only: clock speed × real time         |
extension PaymentRPCConfig {
    mutating func readProcessingSafety(_ reader: ConfigSource) throws(ConfigError) {
        crossCheckURLs = try reader.list("tron.cross_check_urls").enumerated().map { index, text throws(ConfigError) in
            guard HTTPURL.parse(text) != nil else {
                throw ConfigError(key: "tron.cross_check_urls[\(index)]", "must be an http(s) URL, got \"\(text)\"")
            }
            return text
        }
        if let tolerance = try reader.integer("tron.clock_tolerance_ms", in: 0...600_000) {
            clockToleranceMilliseconds = Int64(tolerance)
        }
        if let text = try reader.string("development.clock_start"), !text.isEmpty {
            guard let date = Self.rfc3339(text) else {
                throw ConfigError(
                    key: "development.clock_start",
                    "must be an RFC 3339 time such as 2030-01-01T23:00:00Z, got \"\(text)\"")
            }
            developmentClockStart = date
        }
        developmentClockRate = try reader.integer("development.clock_rate", in: 1...100_000) ?? developmentClockRate
        if environment != .development {
            for key in ["development.clock_start", "development.clock_rate"] where reader.origin(of: key) != nil {
                throw ConfigError(key: key, "is only allowed when environment is development")
            }
        }
    }

    /// The wall clock these settings ask for: the system's, or in development one that starts at
    /// `development.clock_start` and runs `development.clock_rate` times faster than real time.
    public var wallClock: any WallClock {
        guard environment == .development, developmentClockStart != nil || developmentClockRate != 1 else {
            return SystemWallClock()
        }
        return ScaledWallClock(start: developmentClockStart ?? Date(), rate: developmentClockRate)
    }

    static func rfc3339(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}

/// A development wall clock: starts at `start` and runs `rate` times faster than real (monotonic) time, so tests
/// can cross hour and day windows in seconds.
public struct ScaledWallClock: WallClock {
    let start: Date
    let rate: Int
    let origin: ContinuousClock.Instant

    /// A clock that reads `start` now; `rate` below 1 is taken as 1 (`development.clock_rate` is already checked
    /// to be in 1...100000).
    public init(start: Date, rate: Int) {
        self.start = start
        self.rate = max(1, rate)
        self.origin = ContinuousClock.now
    }

    /// `start` plus the monotonic time elapsed since `init`, times `rate`: never goes backwards, whatever the
    /// system clock does.
    public func now() -> Date {
        let elapsed = ContinuousClock.now - origin
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return start.addingTimeInterval(seconds * Double(rate))
    }
}
