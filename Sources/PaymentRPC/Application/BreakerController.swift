import Foundation
import Logging
import PaymentCore
import PaymentStore
import Synchronization

/// The server's one circuit breaker: the domain state machine behind a lock, persisted on every change so a
/// manual trip survives a restart.
///
/// On a shared ledger the stored state is the breaker of every instance: each change is saved compare-and-set on
/// the stored version, `refresh()` (each processor round and each metrics refresh) adopts a newer stored state, so
/// a trip on one instance stops signing on all within one poll interval, and a change made without seeing a newer
/// stored state is dropped in favour of the stored one, except a trip, which is applied on top of it (opening is
/// always the safe side). The failure window (outcomes counted toward an automatic trip) stays per instance.
public final class BreakerController: Sendable {
    private struct Local {
        var breaker: CircuitBreaker
        /// The stored version `breaker` reflects.
        var version: Int64
    }

    private let local: Mutex<Local>
    private let policy: CircuitBreakerPolicy
    private let ledger: any PayoutLedger
    private let clock: any WallClock
    private let logger: Logger

    /// Restores the persisted state, if any.
    public init(policy: CircuitBreakerPolicy, ledger: any PayoutLedger, clock: any WallClock, logger: Logger)
        async throws
    {
        var breaker = CircuitBreaker(policy: policy)
        var version: Int64 = 0
        if let snapshot = try await ledger.loadBreaker() {
            breaker = CircuitBreaker(policy: policy, state: snapshot.state, opening: snapshot.opening)
            version = snapshot.version
        }
        self.local = Mutex(Local(breaker: breaker, version: version))
        self.policy = policy
        self.ledger = ledger
        self.clock = clock
        self.logger = logger
    }

    /// The breaker as of now (time applied).
    public func current() -> CircuitBreaker {
        let now = clock.now()
        return local.withLock { local in
            local.breaker.advance(to: now)
            return local.breaker
        }
    }

    /// The injected clock's reading.
    public func clockNow() -> Date { clock.now() }

    /// Refuses new payouts while the breaker is open.
    public func requireAcceptingPayouts() throws(PaymentError) {
        let now = clock.now()
        let (accepts, opening) = local.withLock { ($0.breaker.acceptsPayouts(at: now), $0.breaker.lastOpening) }
        guard accepts else {
            let why = opening.map { $0.manual ? "tripped by an operator: \($0.reason)" : $0.reason } ?? "open"
            throw PaymentError(.unavailable, "payouts are paused: the circuit breaker is open (\(why)); retry later")
        }
    }

    /// Whether the processor may start a payout now (closed, or the one half-open probe).
    public func admitAttempt() -> Bool {
        let now = clock.now()
        return local.withLock { $0.breaker.admitAttempt(at: now) }
    }

    /// Opens the breaker for a fault that must stop payouts at once. When the ledger cannot store it, it is open
    /// on this instance (logged) until a save succeeds.
    public func tripAutomatically(reason: String) async {
        do {
            try await change { $0.tripAutomatically(reason: reason, at: $1) }
        } catch {
            logger.error("could not persist circuit breaker state", metadata: ["error": "\(error)"])
        }
    }

    /// Records a finished payout attempt (the processor's outcomes feed the failure rate); a state change the ledger
    /// cannot store is logged (see `change`).
    public func record(success: Bool) async {
        do {
            try await change { $0.record(success: success, at: $1) }
        } catch {
            logger.error("could not persist circuit breaker state", metadata: ["error": "\(error)"])
        }
    }

    /// Opens the breaker by hand. Throws when the ledger cannot store it: it is then open on this instance only,
    /// and the operator must hear that the other instances may still pay.
    public func trip(reason: String) async throws -> CircuitBreaker {
        logger.warning("circuit breaker tripped by operator", metadata: ["reason": "\(reason)"])
        return try await change { $0.trip(reason: reason, at: $1) }
    }

    /// Closes the breaker. Throws when the ledger cannot store it, with this instance's breaker left as it was.
    public func reset(reason: String) async throws -> CircuitBreaker {
        logger.notice("circuit breaker reset by operator", metadata: ["reason": "\(reason)"])
        return try await change { breaker, _ in breaker.reset() }
    }

    /// Adopts the stored state when another instance changed it since this one last saw it. Errors are logged:
    /// the local state stays in force until the next refresh.
    public func refresh() async {
        do {
            guard let stored = try await ledger.loadBreaker() else { return }
            adopt(stored)
        } catch {
            logger.warning("could not read the shared circuit breaker state", metadata: ["error": "\(error)"])
        }
    }

    private func adopt(_ stored: BreakerSnapshot) {
        let adopted = local.withLock { local -> CircuitBreaker.State? in
            guard stored.version > local.version else { return nil }
            let previous = local.breaker.state
            local.breaker.restore(state: stored.state, opening: stored.opening)
            local.version = stored.version
            return previous == stored.state ? nil : stored.state
        }
        if let adopted {
            logger.notice(
                "circuit breaker changed by another instance",
                metadata: ["state": "\(adopted.rawValue)", "reason": "\(stored.opening?.reason ?? "-")"])
        }
    }

    /// Applies `transition` and saves the result compare-and-set.
    ///
    /// - When another instance changed the stored breaker first, its state is taken. A trip is then applied again on
    ///   top of it, as the opening it was (by hand or automatic, with its reason), not by running `transition`
    ///   again: the adopted state has another outcome window, on which a failure-rate trip would not repeat. Any
    ///   other change is dropped, because it was decided without seeing the newer state.
    /// - When the ledger cannot store the change, it throws. A move to open stays in force here (the safe side);
    ///   any other move is undone, so this instance does not pay while the others stay stopped.
    @discardableResult
    private func change(_ transition: (inout CircuitBreaker, Date) -> Void) async throws -> CircuitBreaker {
        var attempt = 0
        var reopening: CircuitBreaker.Opening?
        while true {
            attempt += 1
            let now = clock.now()
            let (previous, after, version) = local.withLock { local in
                let previous = local.breaker
                if let reopening {
                    if reopening.manual {
                        local.breaker.trip(reason: reopening.reason, at: now)
                    } else {
                        local.breaker.tripAutomatically(reason: reopening.reason, at: now)
                    }
                } else {
                    transition(&local.breaker, now)
                }
                return (previous, local.breaker, local.version)
            }
            let before = previous.state
            guard before != after.state || after.lastOpening?.at == now else { return after }
            do {
                let snapshot = BreakerSnapshot(state: after.state, opening: after.lastOpening, version: version)
                if let saved = try await ledger.saveBreaker(snapshot) {
                    local.withLock { local in local.version = max(local.version, saved) }
                    return after
                }
                guard let stored = try await ledger.loadBreaker() else { return after }
                adopt(stored)
                guard after.state == .open, before != .open, attempt < 5 else { return current() }
                reopening = after.lastOpening
            } catch {
                if after.state != .open {
                    local.withLock { local in
                        if local.version == version { local.breaker = previous }
                    }
                }
                throw error
            }
        }
    }
}
