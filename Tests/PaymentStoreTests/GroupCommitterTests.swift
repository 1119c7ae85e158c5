import Synchronization
import Testing

@testable import PaymentStore

@Suite("Group commit")
struct GroupCommitterTests {
    @Test("concurrent submissions share commits, each gets its own result, errors stay per operation")
    func grouping() async throws {
        let groups = Mutex<[Int]>([])
        let committer = GroupCommitter<Int, Int>(maxGroupSize: 64) { operations in
            groups.withLock { $0.append(operations.count) }
            try? await Task.sleep(for: .milliseconds(5))  // an fsync's worth of time
            return operations.map { $0 % 10 == 0 ? .failure(Odd()) : .success($0 * 2) }
        }
        let results = await withTaskGroup(of: (Int, Int?).self) { group in
            for value in 1...300 {
                group.addTask { (value, try? await committer.submit(value)) }
            }
            return await group.reduce(into: [Int: Int?]()) { $0[$1.0] = $1.1 }
        }
        for value in 1...300 {
            #expect(results[value]! == (value % 10 == 0 ? nil : value * 2))
        }
        let sizes = groups.withLock { $0 }
        #expect(sizes.reduce(0, +) == 300)
        #expect(sizes.allSatisfy { $0 <= 64 })
        #expect(sizes.count < 60, "300 concurrent operations took \(sizes.count) commits")
    }

    @Test("a lone submission commits alone and returns")
    func alone() async throws {
        let committer = GroupCommitter<Int, Int> { operations in operations.map { .success($0 + 1) } }
        #expect(try await committer.submit(1) == 2)
        #expect(try await committer.submit(2) == 3)
    }

    struct Odd: Error {}
}
