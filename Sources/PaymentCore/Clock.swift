import Foundation

/// The wall clock the domain and server read, injected so tests can move time.
public protocol WallClock: Sendable {
    /// The current instant. Called for every decision, so it must be cheap and never block.
    func now() -> Date
}

/// The system's wall clock.
public struct SystemWallClock: WallClock {
    /// The system clock; the one used outside tests.
    public init() {}
    /// `Date()`: the system's wall clock, which may jump when the host's time is set.
    public func now() -> Date { Date() }
}

extension Date {
    /// Milliseconds since the epoch, rounded down: the ledger's and TRON's time unit.
    public var milliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded(.down)) }

    /// The instant `milliseconds` after the epoch.
    public init(milliseconds: Int64) { self.init(timeIntervalSince1970: TimeInterval(milliseconds) / 1000) }
}
