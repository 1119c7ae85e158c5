import Foundation
import Logging
import Metrics
import PaymentCore
import Synchronization

/// Hands out strictly increasing millisecond timestamps for raw_data.timestamp (which the node does not validate;
/// it only makes a transaction, and so its txID, unique).
final class TransactionTimestamps: Sendable {
    private let last = Mutex<Int64>(0)

    func next(after now: Int64) -> Int64 {
        last.withLock { last in
            last = max(now, last + 1)
            return last
        }
    }
}

/// In-memory lookup times of in-flight payouts, so a round does not ask the node about every payout every time,
/// and the last wait reason of each, so a wait is logged when it starts rather than on every lookup.
final class LookupSchedule: Sendable {
    private let next = Mutex<[String: (at: Date, reason: String?)]>([:])

    func isDue(_ payoutID: String, at now: Date) -> Bool { next.withLock { ($0[payoutID]?.at ?? .distantPast) <= now } }
    func schedule(_ payoutID: String, at date: Date) { next.withLock { $0[payoutID, default: (date, nil)].at = date } }
    func forget(_ payoutID: String) { next.withLock { $0[payoutID] = nil } }

    /// Records the payout's wait reason; true when it differs from the last one (worth a log line).
    func noteReason(_ payoutID: String, _ reason: String) -> Bool {
        next.withLock { entries in
            let changed = entries[payoutID]?.reason != reason
            entries[payoutID, default: (.distantPast, nil)].reason = reason
            return changed
        }
    }
}

/// What waits for the next outflow window (rule 8): the gauge `tron_payouts_waiting_for_outflow_window`, the
/// signed sums `tron_outflow_signed_usdt{window}`, and a notice when a wait starts or ends.
public final class OutflowWaiting: Sendable {
    /// Due payouts held back, which limit holds them, until when, and why.
    public struct State: Sendable, Equatable, CustomStringConvertible {
        /// Every due payout held back: the first one that does not fit and all due behind it (first due, first
        /// signed); GetStats reports it as `outflow_waiting_count`.
        public var count: Int
        /// The window that is full, hourly or daily.
        public var limit: PayoutStep.OutflowLimit
        /// When that window ends (the next UTC hour or 00:00 UTC) and signing may resume.
        public var until: Date
        /// `PayoutStep.decideSigning`'s explanation: the limit, what was signed in the window and what would not fit.
        public var reason: String

        /// The reason and the end of the wait (ISO 8601), as GetStats's `outflow_waiting_reason`.
        public var description: String { "\(reason); waits until \(ISO8601DateFormatter().string(from: until))" }
    }

    private let state = Mutex<State?>(nil)

    /// Nothing waits yet. payment-rpc makes one and shares it between the processor, which updates it every
    /// signing round, and PaymentService, which reads it for GetStats.
    public init() {}

    /// The current wait, if any.
    public var current: State? { state.withLock { $0 } }

    func update(_ new: State?, logger: Logger) {
        let old = state.withLock { current in
            defer { current = new }
            return current
        }
        Gauge(label: "tron_payouts_waiting_for_outflow_window").record(new?.count ?? 0)
        if let new, old?.limit != new.limit || old?.until != new.until {
            logger.notice(
                "due payouts wait for the next outflow window",
                metadata: [
                    "waiting": "\(new.count)", "limit": "\(new.limit.rawValue)",
                    "until": "\(ISO8601DateFormatter().string(from: new.until))", "reason": "\(new.reason)",
                ])
        } else if new == nil, old != nil {
            logger.notice("outflow window open again; due payouts are signed")
        }
    }

    func record(signed: PayoutStep.Outflow) {
        Gauge(label: "tron_outflow_signed_usdt", dimensions: [("window", "hour")]).record(
            PaymentMetrics.usdt(signed.hourUnits))
        Gauge(label: "tron_outflow_signed_usdt", dimensions: [("window", "day")]).record(
            PaymentMetrics.usdt(signed.dayUnits))
    }
}

/// What waits because the hot wallet cannot pay the next transfer's fees (TRX for energy beyond its stake, and for
/// bandwidth): the gauge `tron_payouts_waiting_for_trx`, GetStats's `fee_waiting_count` and `fee_waiting_reason`, and
/// a notice when a wait starts or ends. Such a wait is not a failed attempt: the breaker never hears of it.
public final class FeeWaiting: Sendable {
    /// Due payouts held back for fees and why.
    public struct State: Sendable, Equatable {
        /// The first due payout the wallet cannot pay for and every due payout behind it.
        public var count: Int
        /// `TransferFees.decide`'s explanation: the balance, the worst burn, the estimate and the stake left.
        public var reason: String
    }

    private let state = Mutex<State?>(nil)

    /// Nothing waits yet; shared like `OutflowWaiting`.
    public init() {}

    /// The current wait, if any.
    public var current: State? { state.withLock { $0 } }

    func update(_ new: State?, logger: Logger) {
        let old = state.withLock { current in
            defer { current = new }
            return current
        }
        Gauge(label: "tron_payouts_waiting_for_trx").record(new?.count ?? 0)
        if let new, old?.reason != new.reason {
            logger.warning(
                "due payouts wait: the hot wallet cannot pay the next transfer's fees",
                metadata: ["waiting": "\(new.count)", "reason": "\(new.reason)"])
        } else if new == nil, old != nil {
            logger.notice("the hot wallet can pay fees again; due payouts are signed")
        }
    }

    /// The round's figures as gauges: the hot wallet's TRX and the energy its stake has left.
    func record(_ fees: TransferFees) {
        Gauge(label: "tron_hot_wallet_trx_sun").record(fees.trxSun)
        Gauge(label: "tron_hot_wallet_energy_available").record(fees.stakedEnergy)
    }
}
