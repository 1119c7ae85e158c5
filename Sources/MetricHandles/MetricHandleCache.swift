import Synchronization

/// Metric handles made once per label set and reused: asking the metrics factory for a handle on every request is
/// a lock and a hash of the labels, on the hot path.
public final class MetricHandleCache<Key: Hashable & Sendable, Handle: Sendable>: Sendable {
    private let handles = Mutex<[Key: Handle]>([:])

    /// An empty cache. One per metric family; keys must be bounded label sets (a route, a code), never an id or an
    /// address: the cache keeps every handle for the life of the process.
    public init() {}

    /// The handle for `key`, made by `make` the first time. `make` runs under the cache's lock (so two callers never
    /// make two handles for one key) and must not call back into this cache.
    public func handle(for key: Key, make: () -> Handle) -> Handle {
        handles.withLock { cache in
            if let handle = cache[key] { return handle }
            let handle = make()
            cache[key] = handle
            return handle
        }
    }
}
