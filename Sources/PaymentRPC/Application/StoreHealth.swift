import Logging
import PaymentStore
import ServiceLifecycle
import Synchronization

/// Whether the ledger answers, as last probed: what Health/Check, `/ready` and `/health` report, read from memory.
///
/// A health check used to query the ledger on every call, so a prober (or a load balancer, or an attacker with
/// access to the health port) set the ledger's load. Now `StoreHealthProbe` asks the ledger once per interval and
/// every reader takes the last answer. An answer older than `staleAfter` counts as a failure: a probe that hangs (a
/// ledger that stopped answering) turns the server not ready instead of keeping the last good answer forever.
public final class StoreHealth: Sendable {
    /// One probe's outcome: when it finished, and the error type when the ledger did not answer.
    struct Reading: Sendable {
        var at: ContinuousClock.Instant
        var error: String?
    }

    private let last = Mutex<Reading?>(nil)
    /// How old the last answer may be before the store counts as down.
    public let staleAfter: Duration

    /// `staleAfter` should be a few probe intervals.
    public init(staleAfter: Duration) {
        self.staleAfter = staleAfter
    }

    /// The store's state now: ok when the last probe succeeded within `staleAfter`; otherwise the reason.
    public var current: (ok: Bool, error: String?) {
        guard let reading = last.withLock({ $0 }) else { return (false, "not probed yet") }
        if ContinuousClock.now - reading.at > staleAfter { return (false, "no answer for more than \(staleAfter)") }
        return (reading.error == nil, reading.error)
    }

    /// Asks the ledger once and keeps the answer.
    public func probe(_ ledger: any PayoutLedger) async {
        var error: String?
        do {
            try await ledger.checkHealth()
        } catch let failure {
            error = "\(type(of: failure))"
        }
        let reading = Reading(at: .now, error: error)
        last.withLock { $0 = reading }
    }
}

/// Probes the ledger for `StoreHealth` every `interval` until the group shuts down gracefully.
struct StoreHealthProbe: Service {
    let health: StoreHealth
    let ledger: any PayoutLedger
    let interval: Duration
    let logger: Logger

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                var wasOK = true
                while true {
                    await health.probe(ledger)
                    let (ok, error) = health.current
                    if ok != wasOK {
                        if ok {
                            logger.notice("the ledger answers its health check again")
                        } else {
                            logger.error(
                                "the ledger does not answer its health check", metadata: ["error": "\(error ?? "")"])
                        }
                        wasOK = ok
                    }
                    try await Task.sleep(for: interval)
                }
            }
        } catch is CancellationError {
            return
        }
    }
}
