import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// The hot wallet's health as last read: the thresholds it is below (`treasury.min_*`), for /health.
public final class HotWalletHealth: Sendable {
    /// One reading.
    public struct State: Sendable, Equatable {
        /// Each threshold the wallet is below, in words; empty when none (or none is set).
        public var below: [String] = []
        /// Why the last reading failed; nil after a good one.
        public var error: String?
        /// Whether any reading has been made.
        public var read = false
        /// The figures of the last good reading.
        public var figures: HotWalletFigures?

        /// Degraded: below a threshold, or the node could not be read.
        public var degraded: Bool { !below.isEmpty || error != nil }
    }

    private let state = Mutex(State())

    /// Nothing read yet.
    public init() {}

    /// The last reading.
    public var current: State { state.withLock { $0 } }

    func update(_ new: State) { state.withLock { $0 = new } }
}

/// Reads the hot wallet every `treasury.refresh_seconds` (a `Service`): the gauges `tron_hot_wallet_trx_sun`,
/// `tron_hot_wallet_usdt_units`, `tron_hot_wallet_energy_available`, `tron_hot_wallet_payouts_covered` and
/// `tron_hot_wallet_degraded` (1 below a threshold), and
/// the thresholds behind /health's `hot_wallet` check. A change of "below" is logged once.
public struct HotWalletMonitor: Service {
    let desk: TreasuryDesk
    let thresholds: PaymentRPCConfig.Treasury
    let health: HotWalletHealth
    let logger: Logger

    /// A monitor of `desk`'s wallet against `thresholds`, writing into `health`.
    public init(desk: TreasuryDesk, thresholds: PaymentRPCConfig.Treasury, health: HotWalletHealth, logger: Logger) {
        self.desk = desk
        self.thresholds = thresholds
        self.health = health
        self.logger = logger
    }

    /// Reads until graceful shutdown.
    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    await refresh()
                    try await Task.sleep(for: .seconds(thresholds.refreshSeconds))
                }
            }
        } catch is CancellationError {
            return
        }
    }

    /// One reading.
    public func refresh() async {
        let before = health.current
        var state = HotWalletHealth.State(read: true)
        do {
            let figures = try await desk.hotWallet()
            state.figures = figures
            state.below = Self.below(figures, thresholds)
            Gauge(label: "tron_hot_wallet_trx_sun").record(figures.trxSun)
            Gauge(label: "tron_hot_wallet_usdt_units").record(figures.usdtUnits)
            Gauge(label: "tron_hot_wallet_energy_available").record(figures.available("EnergyLimit", "EnergyUsed"))
            Gauge(label: "tron_hot_wallet_payouts_covered").record(figures.coverage.total)
        } catch let error as CancellationError {
            _ = error
            return
        } catch {
            state.error = "\(error)"
        }
        health.update(state)
        // 1 while /health's hot_wallet check fails (below a threshold or unreadable): the alert HotWalletBelowThreshold.
        Gauge(label: "tron_hot_wallet_degraded").record(state.degraded ? 1 : 0)
        if state.below != before.below || (state.error == nil) != (before.error == nil) {
            if state.degraded {
                logger.warning(
                    "hot wallet degraded",
                    metadata: ["below": "\(state.below.joined(separator: "; "))", "error": "\(state.error ?? "")"])
            } else if before.read {
                logger.notice("hot wallet back above its thresholds")
            }
        }
    }

    /// The thresholds `figures` are below, in words.
    static func below(_ figures: HotWalletFigures, _ thresholds: PaymentRPCConfig.Treasury) -> [String] {
        var below: [String] = []
        if thresholds.minTRXSun > 0, figures.trxSun < thresholds.minTRXSun {
            below.append("TRX \(figures.trxSun) sun < treasury.min_trx_sun \(thresholds.minTRXSun)")
        }
        if thresholds.minUSDTUnits > 0, figures.usdtUnits < thresholds.minUSDTUnits {
            below.append("USDT \(figures.usdtUnits) units < treasury.min_usdt_units \(thresholds.minUSDTUnits)")
        }
        if thresholds.minPayoutsCovered > 0, figures.coverage.total < thresholds.minPayoutsCovered {
            below.append(
                "\(figures.coverage.total) payouts covered < treasury.min_payouts_covered \(thresholds.minPayoutsCovered)"
            )
        }
        return below
    }
}
