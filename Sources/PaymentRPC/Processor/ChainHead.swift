import Synchronization
import TronNode

/// The latest head and solid blocks the processor saw, for the transaction status RPCs.
public final class ChainHead: Sendable {
    private let blocks = Mutex<(head: BlockSummary?, solid: BlockSummary?)>((nil, nil))

    public init() {}

    public func update(head: BlockSummary, solid: BlockSummary) { blocks.withLock { $0 = (head, solid) } }

    public var head: BlockSummary? { blocks.withLock { $0.head } }
    public var solid: BlockSummary? { blocks.withLock { $0.solid } }
}
