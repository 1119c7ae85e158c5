import Testing

@testable import PaymentRPC

@Suite("Transaction timestamps")
struct TransactionTimestampsTests {
    @Test("strictly increasing even when the clock stands still or goes back, so equal payouts never share a txID")
    func strictlyIncreasing() {
        let timestamps = TransactionTimestamps()
        #expect(timestamps.next(after: 1_000) == 1_000)
        #expect(timestamps.next(after: 1_000) == 1_001)
        #expect(timestamps.next(after: 1_000) == 1_002)
        #expect(timestamps.next(after: 900) == 1_003)
        #expect(timestamps.next(after: 5_000) == 5_000)
    }
}
