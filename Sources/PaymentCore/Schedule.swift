import Foundation

extension Priority {
    /// When a payout accepted at `now` with this priority becomes due. All boundaries are UTC.
    public func scheduledFor(acceptedAt now: Date) -> Date {
        let seconds = Int64(now.timeIntervalSince1970.rounded(.down))
        switch self {
        case .immediate:
            return now
        case .hourly:
            return Date(timeIntervalSince1970: TimeInterval((floorDiv(seconds, 3_600) + 1) * 3_600))
        case .daily:
            return Date(timeIntervalSince1970: TimeInterval((floorDiv(seconds, 86_400) + 1) * 86_400))
        case .weekly:
            let day = floorDiv(seconds, 86_400)
            // 1970-01-01 was a Thursday: (day + 3) mod 7 is 0 on Mondays.
            let daysSinceMonday = (day + 3) % 7
            let nextMonday = day + (7 - daysSinceMonday)
            return Date(timeIntervalSince1970: TimeInterval(nextMonday * 86_400))
        }
    }
}

/// Start of the UTC day and hour that contain an instant; the windows that limits count in.
public enum UTCWindow {
    /// 00:00 UTC of the day holding `date`.
    public static func dayStart(_ date: Date) -> Date {
        Date(
            timeIntervalSince1970: TimeInterval(
                floorDiv(Int64(date.timeIntervalSince1970.rounded(.down)), 86_400) * 86_400))
    }

    /// The top of the UTC hour holding `date`.
    public static func hourStart(_ date: Date) -> Date {
        Date(
            timeIntervalSince1970: TimeInterval(
                floorDiv(Int64(date.timeIntervalSince1970.rounded(.down)), 3_600) * 3_600))
    }
}

func floorDiv(_ value: Int64, _ divisor: Int64) -> Int64 {
    let quotient = value / divisor
    return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient
}
