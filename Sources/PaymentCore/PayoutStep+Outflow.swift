import Foundation

extension PayoutStep {
    /// What has been signed in the current UTC hour and day, by signing time, in base units: the amounts of
    /// transactions signed in the window that are not retired (LIVE, CONFIRMED or FAILED). A retired
    /// transaction provably never landed, so its amount counts again when the payout is signed anew.
    public struct Outflow: Sendable, Equatable {
        /// Base units signed since the top of the current UTC hour.
        public var hourUnits: Int64
        /// Base units signed since 00:00 UTC today.
        public var dayUnits: Int64

        /// The sums as the ledger's `signedOutflow` returns them.
        public init(hourUnits: Int64, dayUnits: Int64) {
            self.hourUnits = hourUnits
            self.dayUnits = dayUnits
        }
    }

    /// Which outflow window is full.
    public enum OutflowLimit: String, Sendable, Equatable {
        /// The current UTC hour is full; the payout waits for the top of the next hour.
        case hourly
        /// The current UTC day is full; the payout waits for 00:00 UTC.
        case daily
    }

    /// Whether a due payout may be signed now.
    public enum SigningAction: Sendable, Equatable {
        /// Sign a new transaction for it.
        case signNew
        /// Signing it would take the window past its limit: it waits for the next window.
        case wait(until: Date, limit: OutflowLimit, reason: String)
    }

    /// Decides whether `amountUnits` may be signed at `now` given what the current windows already hold. Rule 8:
    /// the processor never signs more than the hourly limit in one UTC hour or the daily limit in one UTC day.
    /// Sums are checked: an overflow counts as over the limit.
    public static func decideSigning(
        amountUnits: Int64, signed: Outflow, limits: LimitPolicy, now: Date
    ) -> SigningAction {
        let (hour, hourOverflow) = signed.hourUnits.addingReportingOverflow(amountUnits)
        if hourOverflow || hour > limits.hourlyUnits {
            let next = UTCWindow.hourStart(now).addingTimeInterval(3_600)
            return .wait(
                until: next, limit: .hourly,
                reason: "hourly outflow limit: \(USDT.format(signed.hourUnits)) signed this hour, "
                    + "\(USDT.format(amountUnits)) more would pass \(USDT.format(limits.hourlyUnits))")
        }
        let (day, dayOverflow) = signed.dayUnits.addingReportingOverflow(amountUnits)
        if dayOverflow || day > limits.dailyUnits {
            let next = UTCWindow.dayStart(now).addingTimeInterval(86_400)
            return .wait(
                until: next, limit: .daily,
                reason: "daily outflow limit: \(USDT.format(signed.dayUnits)) signed today, "
                    + "\(USDT.format(amountUnits)) more would pass \(USDT.format(limits.dailyUnits))")
        }
        return .signNew
    }

    /// `signed` after signing `amountUnits` more (nil on overflow).
    public static func adding(_ amountUnits: Int64, to signed: Outflow) -> Outflow? {
        let (hour, o1) = signed.hourUnits.addingReportingOverflow(amountUnits)
        let (day, o2) = signed.dayUnits.addingReportingOverflow(amountUnits)
        return o1 || o2 ? nil : Outflow(hourUnits: hour, dayUnits: day)
    }
}
