import Synchronization

/// Group commit: concurrent writers share transactions instead of paying one fsync each.
///
/// The first caller to arrive while no commit is running becomes the leader: it commits its own operation together
/// with everything queued meanwhile, hands each follower its result, and repeats until the queue is empty. Callers
/// that arrive during a commit queue up and wait. No background task is needed, and a follower is never stranded:
/// it only queues while a leader is active, and the leader only steps down, under the same lock, when the queue is
/// empty.
package final class GroupCommitter<Operation: Sendable, Output: Sendable>: Sendable {
    package typealias Commit = @Sendable ([Operation]) async -> [Result<Output, any Error>]

    private enum Turn: Sendable {
        case done(Output)
        case lead
    }

    private struct Waiting: Sendable {
        var operation: Operation
        var continuation: CheckedContinuation<Turn, any Error>
    }

    private struct State {
        var queue: [Waiting] = []
        var leaderActive = false
    }

    private let state = Mutex(State())
    private let maxGroupSize: Int
    private let commit: Commit

    /// `commit` must return one result per operation, in order, and be durable when it returns.
    package init(maxGroupSize: Int = 512, commit: @escaping Commit) {
        self.maxGroupSize = maxGroupSize
        self.commit = commit
    }

    package func submit(_ operation: Operation) async throws -> Output {
        let turn = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Turn, any Error>) in
            let mustLead = state.withLock { state -> Bool in
                if state.leaderActive {
                    state.queue.append(Waiting(operation: operation, continuation: continuation))
                    return false
                }
                state.leaderActive = true
                return true
            }
            if mustLead { continuation.resume(returning: .lead) }
        }
        switch turn {
        case .done(let output):
            return output
        case .lead:
            return try await lead(with: operation)
        }
    }

    private func lead(with own: Operation) async throws -> Output {
        var ownResult: Result<Output, any Error>?
        var group = takeQueued(room: maxGroupSize - 1)
        while true {
            let operations = (ownResult == nil ? [own] : []) + group.map(\.operation)
            let results = await commit(operations)
            var offset = 0
            if ownResult == nil {
                ownResult = results[0]
                offset = 1
            }
            for (index, waiting) in group.enumerated() {
                switch results[index + offset] {
                case .success(let output): waiting.continuation.resume(returning: .done(output))
                case .failure(let error): waiting.continuation.resume(throwing: error)
                }
            }
            let next = state.withLock { state -> [Waiting]? in
                if state.queue.isEmpty {
                    state.leaderActive = false
                    return nil
                }
                let taken = Array(state.queue.prefix(maxGroupSize))
                state.queue.removeFirst(taken.count)
                return taken
            }
            guard let next else { break }
            group = next
        }
        return try ownResult!.get()
    }

    private func takeQueued(room: Int) -> [Waiting] {
        state.withLock { state in
            let taken = Array(state.queue.prefix(room))
            state.queue.removeFirst(taken.count)
            return taken
        }
    }
}
