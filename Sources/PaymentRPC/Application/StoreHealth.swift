import Logging
import PaymentStore
import ServiceLifecycle
import Synchronization

/// Whether the ledger answers, as last probed: what Health/Check, `/ready` and `/health` report, read from memory.
///
/// A health check used to query the ledger on every call, so a prober (or a load balancer, or an attacker with
/// access to the health port) set the ledger's load. Now `StoreHealthProbe` asks the ledger once per interval and
/// every reader takes the last answer.
///
/// A check waits at most `staleAfter` for its answer. One that does not answer in time counts as a failure and is
/// abandoned (cancelled, left to end on its own), so the next probe starts on schedule and a ledger that recovers is
/// seen as soon as a new check answers, not when a hung one (a connection whose packets vanish) finally gives up.
/// At most `maxUnanswered` abandoned checks are outstanding; past that a probe records the failure without asking.
/// An answer older than `staleAfter` counts as a failure too (a probe loop that stopped).
public final class StoreHealth: Sendable {
    /// One probe's outcome: when it finished, and why the ledger did not answer (nil when it did).
    struct Reading: Sendable {
        var at: ContinuousClock.Instant
        var error: String?
    }

    /// Abandoned checks allowed at once.
    public static let maxUnanswered = 4

    private let last = Mutex<Reading?>(nil)
    private let unanswered = Mutex(0)
    /// How long a check may take, and how old the last answer may be, before the store counts as down.
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

    /// Asks the ledger once (its `checkHealth`) and keeps the answer.
    public func probe(_ ledger: any PayoutLedger) async {
        await probe { try await ledger.checkHealth() }
    }

    /// Runs `check` once, waiting at most `staleAfter`, and keeps the outcome: ok when it returned, the error's type
    /// when it threw, "no answer" when it did not return in time.
    public func probe(_ check: @escaping @Sendable () async throws -> Void) async {
        let admitted = unanswered.withLock { count -> Bool in
            guard count < Self.maxUnanswered else { return false }
            count += 1
            return true
        }
        guard admitted else {
            keep("\(Self.maxUnanswered) earlier checks are still unanswered")
            return
        }
        let outcome = FirstOutcome()
        let limit = staleAfter
        let error: String? = await withCheckedContinuation { continuation in
            outcome.arm(continuation)
            let running = Task {
                defer { self.unanswered.withLock { $0 -= 1 } }
                do {
                    try await check()
                    outcome.finish(nil)
                } catch {
                    outcome.finish("\(type(of: error))")
                }
            }
            Task {
                try? await Task.sleep(for: limit)
                if outcome.finish("no answer within \(limit)") { running.cancel() }
            }
        }
        keep(error)
    }

    private func keep(_ error: String?) {
        let reading = Reading(at: .now, error: error)
        last.withLock { $0 = reading }
    }
}

/// The first of a check's answer and its deadline: resumes the waiting probe once; later calls are ignored.
private final class FirstOutcome: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<String?, Never>?, done: Bool)>((nil, false))

    func arm(_ continuation: CheckedContinuation<String?, Never>) {
        state.withLock { $0.continuation = continuation }
    }

    /// Resumes the probe with `error` if nothing did before; true when this call did.
    @discardableResult
    func finish(_ error: String?) -> Bool {
        let continuation = state.withLock { state -> CheckedContinuation<String?, Never>? in
            guard !state.done else { return nil }
            state.done = true
            return state.continuation
        }
        continuation?.resume(returning: error)
        return continuation != nil
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
