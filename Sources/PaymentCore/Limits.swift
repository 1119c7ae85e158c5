/// The amount limits on accepted payouts, in base units, counted per UTC day and UTC hour of acceptance.
/// Cancelled payouts give their amount back.
public struct LimitPolicy: Sendable, Equatable {
    /// The most accepted per UTC day, in USDT base units (`limits.daily_units`).
    public var dailyUnits: Int64
    /// The most accepted per UTC hour, in USDT base units (`limits.hourly_units`).
    public var hourlyUnits: Int64

    /// Limits as configured; the processor reads the same values as its signing outflow limits (rule 8).
    public init(dailyUnits: Int64, hourlyUnits: Int64) {
        self.dailyUnits = dailyUnits
        self.hourlyUnits = hourlyUnits
    }

    /// Refuses an amount that would take the day's or the hour's usage past its limit. Sums are checked: a sum past
    /// Int64.max (limits configured near it) is refused as over the limit, never a trap.
    public func admit(_ amountUnits: Int64, usage: LimitUsage) throws(PaymentError) {
        try Self.check(amountUnits, usage: usage.hourUnits, limit: hourlyUnits, name: "hourly", window: "this hour's")
        try Self.check(amountUnits, usage: usage.dayUnits, limit: dailyUnits, name: "daily", window: "today's")
    }

    private static func check(
        _ amountUnits: Int64, usage: Int64, limit: Int64, name: String, window: String
    ) throws(PaymentError) {
        let (total, overflow) = usage.addingReportingOverflow(amountUnits)
        guard overflow || total > limit else { return }
        let after = overflow ? "more than \(USDT.format(Int64.max))" : USDT.format(total)
        throw PaymentError(
            .resourceExhausted,
            "\(name) limit: \(USDT.format(amountUnits)) would bring \(window) payouts to \(after), over the \(name) limit of \(USDT.format(limit))",
            limit: name)
    }
}

/// What has been accepted so far in the current UTC day and hour, in base units.
public struct LimitUsage: Sendable, Equatable {
    /// Base units accepted so far in the UTC day, cancelled payouts excluded; >= 0.
    public var dayUnits: Int64
    /// Base units accepted so far in the UTC hour, cancelled payouts excluded; >= 0.
    public var hourUnits: Int64

    /// Usage as the ledger's `limit_usage` rows hold it for one day and hour.
    public init(dayUnits: Int64, hourUnits: Int64) {
        self.dayUnits = dayUnits
        self.hourUnits = hourUnits
    }

    /// The usage after `amountUnits` more, or a RESOURCE_EXHAUSTED error when a sum would pass Int64.max.
    public func adding(_ amountUnits: Int64) throws(PaymentError) -> LimitUsage {
        let (day, dayOverflow) = dayUnits.addingReportingOverflow(amountUnits)
        let (hour, hourOverflow) = hourUnits.addingReportingOverflow(amountUnits)
        guard !dayOverflow else {
            throw PaymentError(
                .resourceExhausted, "daily limit: today's payouts would pass the largest countable amount",
                limit: "daily")
        }
        guard !hourOverflow else {
            throw PaymentError(
                .resourceExhausted, "hourly limit: this hour's payouts would pass the largest countable amount",
                limit: "hourly")
        }
        return LimitUsage(dayUnits: day, hourUnits: hour)
    }
}
