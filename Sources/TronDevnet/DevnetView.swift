import Synchronization
import TronKit

/// One HTTP listener's window on the shared chain: the main listener or a `--view-listen` one. Each has its own
/// fault profile, so one process can play an honest node and a lagging or lying one over the same blocks.
public final class DevnetView: Sendable {
    /// The chain shared by every listener.
    public let chain: DevnetChain
    /// This listener's fault profile.
    public let faults: DevnetFaultProfile
    /// Broadcast answers this listener gave, by code (SUCCESS for accepted ones).
    private let broadcastCodes = Mutex<[String: Int]>([:])

    /// A view with its own profile, or the main listener's when `faults` is nil.
    public init(chain: DevnetChain, faults: DevnetFaultProfile? = nil) {
        self.chain = chain
        self.faults = faults ?? chain.mainFaults
    }

    // MARK: Blocks, with this listener's clock offset

    /// The head block, its timestamp shifted by the clock offset.
    public func head() -> DevnetChain.BlockView { shifted(chain.head()) }
    /// The latest solid block, its timestamp shifted by the clock offset.
    public func solid() -> DevnetChain.BlockView { shifted(chain.solid()) }
    /// The block at `number` (nil beyond the head), its timestamp shifted by the clock offset.
    public func block(number: Int64) -> DevnetChain.BlockView? { chain.block(number: number).map(shifted) }

    private func shifted(_ block: DevnetChain.BlockView) -> DevnetChain.BlockView {
        var block = block
        block.timestamp += faults.current.clockOffsetMilliseconds
        return block
    }

    // MARK: Lookups, with this listener's lookup mode

    /// A transaction in a block as this listener reports it: nil (`{}`) while lagging or when lying. `solidOnly` is
    /// a `/walletsolidity/` lookup.
    public func transaction(id: String, solidOnly: Bool = false) -> DevnetChain.TransactionView? {
        let faults = faults.current
        switch faults.lookupMode {
        case .lying:
            return nil
        case .honest:
            return chain.transaction(id: id, solidOnly: solidOnly)
        case .lagging:
            if solidOnly && !faults.lagSolidity { return chain.transaction(id: id, solidOnly: true) }
            guard let found = chain.transaction(id: id, solidOnly: solidOnly), let number = found.blockNumber else {
                return nil
            }
            let (visibleFrom, overflow) = number.addingReportingOverflow(faults.lagBlocks)
            return !overflow && chain.headNumber >= visibleFrom ? found : nil
        }
    }

    // MARK: Broadcast, with this listener's broadcast faults

    /// Broadcasts through this listener's broadcast faults and counts the answer by code.
    public func broadcast(_ signed: SignedTronTransaction) -> BroadcastOutcome {
        let outcome = chain.broadcast(signed, faults: faults.current)
        broadcastCodes.withLock { $0[outcome.code ?? "SUCCESS", default: 0] += 1 }
        return outcome
    }

    /// How many broadcasts this listener answered with each code.
    public var broadcastCounts: [String: Int] { broadcastCodes.withLock { $0 } }
}
