import Foundation
import Logging
import PaymentCore
import PaymentStore
import Synchronization

/// The server's one circuit breaker: the domain state machine behind a lock, persisted on every change so a
/// manual trip survives a restart.
public final class BreakerController: Sendable {
    private let breaker: Mutex<CircuitBreaker>
    private let ledger: any PayoutLedger
    private let clock: any WallClock
    private let logger: Logger

    /// Restores the persisted state, if any.
    public init(policy: CircuitBreakerPolicy, ledger: any PayoutLedger, clock: any WallClock, logger: Logger)
        async throws
    {
        var breaker = CircuitBreaker(policy: policy)
        if let snapshot = try await ledger.loadBreaker() {
            breaker = CircuitBreaker(policy: policy, state: snapshot.state, opening: snapshot.opening)
        }
        self.breaker = Mutex(breaker)
        self.ledger = ledger
        self.clock = clock
        self.logger = logger
    }

    /// The breaker as of now (time applied).
    public func current() -> CircuitBreaker {
        let now = clock.now()
        return breaker.withLock { breaker in
            breaker.advance(to: now)
            return breaker
        }
    }

    /// The injected clock's reading.
    public func clockNow() -> Date { clock.now() }

    /// Refuses new payouts while the breaker is open.
    public func requireAcceptingPayouts() throws(PaymentError) {
        let now = clock.now()
        let (accepts, opening) = breaker.withLock { breaker in (breaker.acceptsPayouts(at: now), breaker.lastOpening) }
        guard accepts else {
            let why = opening.map { $0.manual ? "tripped by an operator: \($0.reason)" : $0.reason } ?? "open"
            throw PaymentError(.unavailable, "payouts are paused: the circuit breaker is open (\(why)); retry later")
        }
    }

    /// Whether the processor may start a payout now (closed, or the one half-open probe).
    public func admitAttempt() -> Bool {
        let now = clock.now()
        return breaker.withLock { $0.admitAttempt(at: now) }
    }

    /// Opens the breaker for a fault that must stop payouts at once.
    public func tripAutomatically(reason: String) async {
        await change { $0.tripAutomatically(reason: reason, at: $1) }
    }

    /// Records a finished payout attempt (the processor's outcomes feed the failure rate).
    public func record(success: Bool) async {
        await change { $0.record(success: success, at: $1) }
    }

    /// Opens the breaker by hand.
    public func trip(reason: String) async -> CircuitBreaker {
        logger.warning("circuit breaker tripped by operator", metadata: ["reason": "\(reason)"])
        return await change { $0.trip(reason: reason, at: $1) }
    }

    /// Closes the breaker.
    public func reset(reason: String) async -> CircuitBreaker {
        logger.notice("circuit breaker reset by operator", metadata: ["reason": "\(reason)"])
        return await change { breaker, _ in breaker.reset() }
    }

    @discardableResult
    private func change(_ transition: (inout CircuitBreaker, Date) -> Void) async -> CircuitBreaker {
        let now = clock.now()
        let (before, after) = breaker.withLock { breaker in
            let before = breaker.state
            transition(&breaker, now)
            return (before, breaker)
        }
        if before != after.state || after.lastOpening?.at == now {
            do {
                try await ledger.saveBreaker(BreakerSnapshot(state: after.state, opening: after.lastOpening))
            } catch {
                logger.error("could not persist circuit breaker state", metadata: ["error": "\(error)"])
            }
        }
        return after
    }
}
