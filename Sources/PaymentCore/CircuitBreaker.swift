import Foundation

/// When the breaker trips and how it recovers. Seed defaults: trip at 50% failures.
public struct CircuitBreakerPolicy: Sendable, Equatable {
    /// Trip when failures are at least this share (percent) of the window's outcomes.
    public var failureThresholdPercent: Int
    /// ...and the window holds at least this many outcomes (a single early failure must not trip it).
    public var minimumOutcomes: Int
    /// How far back outcomes count: a sliding window ending at the instant asked about.
    public var window: Duration
    /// How long an automatic trip stays open before one probe payout is let through (half-open).
    public var openCooldown: Duration

    /// Defaults: trip at 50% failures of at least 10 outcomes within 10 minutes, half-open after 60 s.
    public init(
        failureThresholdPercent: Int = 50, minimumOutcomes: Int = 10,
        window: Duration = .seconds(600), openCooldown: Duration = .seconds(60)
    ) {
        self.failureThresholdPercent = failureThresholdPercent
        self.minimumOutcomes = minimumOutcomes
        self.window = window
        self.openCooldown = openCooldown
    }
}

/// The payout circuit breaker as a value: every method is a transition at an instant the caller gives, so tests
/// move time by passing instants.
///
/// - closed: payouts flow; outcomes are counted over `window`; the failure share trips it open.
/// - open: new payouts are refused. An automatic trip goes half-open after `openCooldown`, and closes at the next
///   00:00 UTC. A manual trip stays open until `reset`.
/// - half-open: one probe payout may proceed; its success closes the breaker, its failure opens it again.
public struct CircuitBreaker: Sendable, Equatable {
    /// The breaker's position; the raw values are what the ledger persists (`breaker.state`).
    public enum State: String, Sendable, Equatable {
        /// Payouts flow; outcomes are counted.
        case closed = "CLOSED"
        /// New payouts are refused and the processor starts none.
        case open = "OPEN"
        /// New payouts are accepted; the processor may start one probe, whose outcome closes or reopens it.
        case halfOpen = "HALF_OPEN"
    }

    /// What is known about the open state.
    public struct Opening: Sendable, Equatable {
        /// When the breaker opened, by the caller's clock (persisted in milliseconds).
        public var at: Date
        /// Why it opened, for operators: the operator's reason for a manual trip, else the failure count or fault.
        public var reason: String
        /// True when an operator tripped it (`trip`): it then neither goes half-open nor resets at 00:00 UTC.
        public var manual: Bool

        /// An opening as stored in the ledger (`BreakerSnapshot`) or made by `open`.
        public init(at: Date, reason: String, manual: Bool) {
            self.at = at
            self.reason = reason
            self.manual = manual
        }
    }

    /// The thresholds and timings this breaker applies; fixed for its life.
    public let policy: CircuitBreakerPolicy
    /// The current position, as of the last transition (call `advance(to:)` to apply the passage of time).
    public private(set) var state: State = .closed
    /// The last opening, kept after closing for display.
    public private(set) var lastOpening: Opening?
    /// Whether the half-open probe has been handed out.
    public private(set) var probeInFlight = false
    private var outcomes: [(at: Date, success: Bool)] = []

    /// A closed breaker with an empty outcome window.
    public init(policy: CircuitBreakerPolicy) { self.policy = policy }

    /// Restores a persisted state (the outcome window starts empty).
    public init(policy: CircuitBreakerPolicy, state: State, opening: Opening?) {
        self.policy = policy
        self.state = state
        self.lastOpening = opening
    }

    /// Equal when state, opening, probe and the sequence of outcomes (success or not, ignoring their instants) are;
    /// the policy is not compared.
    public static func == (lhs: CircuitBreaker, rhs: CircuitBreaker) -> Bool {
        lhs.state == rhs.state && lhs.lastOpening == rhs.lastOpening && lhs.probeInFlight == rhs.probeInFlight
            && lhs.outcomes.map(\.success) == rhs.outcomes.map(\.success)
    }

    /// Failures and all outcomes inside the window ending at `now`.
    public func windowCounts(at now: Date) -> (failures: Int, total: Int) {
        let start = now.addingTimeInterval(-policy.window.seconds)
        let recent = outcomes.filter { $0.at > start }
        return (recent.filter { !$0.success }.count, recent.count)
    }

    /// Applies the passage of time: cooldown to half-open, and the automatic reset at 00:00 UTC.
    public mutating func advance(to now: Date) {
        outcomes.removeAll { $0.at <= now.addingTimeInterval(-policy.window.seconds) }
        guard state != .closed, let opening = lastOpening, !opening.manual else { return }
        if UTCWindow.dayStart(now) > opening.at {
            close()
        } else if state == .open, now >= opening.at.addingTimeInterval(policy.openCooldown.seconds) {
            state = .halfOpen
            probeInFlight = false
        }
    }

    /// Whether new payouts are accepted at `now`.
    public mutating func acceptsPayouts(at now: Date) -> Bool {
        advance(to: now)
        return state != .open
    }

    /// Whether the processor may start a payout now: always when closed; once (the probe) when half-open.
    public mutating func admitAttempt(at now: Date) -> Bool {
        advance(to: now)
        switch state {
        case .closed: return true
        case .open: return false
        case .halfOpen:
            guard !probeInFlight else { return false }
            probeInFlight = true
            return true
        }
    }

    /// Records a finished payout attempt and applies the trip and probe rules.
    public mutating func record(success: Bool, at now: Date) {
        advance(to: now)
        switch state {
        case .halfOpen:
            if success { close() } else { open(at: now, reason: "half-open probe failed", manual: false) }
        case .open:
            break
        case .closed:
            outcomes.append((now, success))
            let (failures, total) = windowCounts(at: now)
            if total >= policy.minimumOutcomes, failures * 100 >= policy.failureThresholdPercent * total {
                open(
                    at: now,
                    reason:
                        "\(failures) of \(total) payout attempts failed in the last \(Int(policy.window.seconds)) s",
                    manual: false)
            }
        }
    }

    /// Opens the breaker by hand; it stays open until `reset`.
    public mutating func trip(reason: String, at now: Date) {
        open(at: now, reason: reason, manual: true)
    }

    /// Opens the breaker at once for a fault that must stop payouts (a signature the node refused).
    public mutating func tripAutomatically(reason: String, at now: Date) {
        open(at: now, reason: reason, manual: false)
    }

    /// Closes the breaker and clears the window.
    public mutating func reset() { close() }

    /// Takes a state another instance stored (a shared ledger): the position and opening are the stored ones; the
    /// outcome window is kept only when the breaker stays closed.
    public mutating func restore(state: State, opening: Opening?) {
        if state != .closed || self.state != .closed { outcomes.removeAll() }
        self.state = state
        lastOpening = opening
        probeInFlight = false
    }

    private mutating func open(at now: Date, reason: String, manual: Bool) {
        state = .open
        lastOpening = Opening(at: now, reason: reason, manual: manual)
        probeInFlight = false
        outcomes.removeAll()
    }

    private mutating func close() {
        state = .closed
        probeInFlight = false
        outcomes.removeAll()
    }
}

extension Duration {
    /// The duration in seconds, as a TimeInterval for Date arithmetic.
    public var seconds: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
