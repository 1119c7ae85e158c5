import Synchronization
import TronNode

/// The latest head and solid blocks the processor saw, for the transaction status RPCs.
public final class ChainHead: Sendable {
    private let blocks = Mutex<(head: BlockSummary?, solid: BlockSummary?)>((nil, nil))

    /// Nothing seen yet: `head` and `solid` are nil until the processor's first successful lookup round.
    public init() {}

    /// Records the blocks one processor round read (both at once, so a reader never sees a head from one round
    /// and a solid block from another).
    public func update(head: BlockSummary, solid: BlockSummary) { blocks.withLock { $0 = (head, solid) } }

    /// The latest head block; GetTransactionStatus counts confirmations against its number. Nil when the
    /// processor is off or has not reached the node yet.
    public var head: BlockSummary? { blocks.withLock { $0.head } }
    /// The latest solid (irreversible) block; nil until the first round.
    public var solid: BlockSummary? { blocks.withLock { $0.solid } }
}
