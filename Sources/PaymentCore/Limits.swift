/// The amount limits on accepted payouts, in base units, counted per UTC day and UTC hour of acceptance.
/// Cancelled payouts give their amount back.
public struct LimitPolicy: Sendable, Equatable {
    public var dailyUnits: Int64
    public var hourlyUnits: Int64

    public init(dailyUnits: Int64, hourlyUnits: Int64) {
        self.dailyUnits = dailyUnits
        self.hourlyUnits = hourlyUnits
    }

    /// Refuses an amount that would take the day's or the hour's usage past its limit.
    public func admit(_ amountUnits: Int64, usage: LimitUsage) throws(PaymentError) {
        if usage.hourUnits + amountUnits > hourlyUnits {
            throw PaymentError(
                .resourceExhausted,
                "hourly limit: \(USDT.format(amountUnits)) would bring this hour's payouts to \(USDT.format(usage.hourUnits + amountUnits)), over the hourly limit of \(USDT.format(hourlyUnits))",
                limit: "hourly")
        }
        if usage.dayUnits + amountUnits > dailyUnits {
            throw PaymentError(
                .resourceExhausted,
                "daily limit: \(USDT.format(amountUnits)) would bring today's payouts to \(USDT.format(usage.dayUnits + amountUnits)), over the daily limit of \(USDT.format(dailyUnits))",
                limit: "daily")
        }
    }
}

/// What has been accepted so far in the current UTC day and hour, in base units.
public struct LimitUsage: Sendable, Equatable {
    public var dayUnits: Int64
    public var hourUnits: Int64

    public init(dayUnits: Int64, hourUnits: Int64) {
        self.dayUnits = dayUnits
        self.hourUnits = hourUnits
    }
}
