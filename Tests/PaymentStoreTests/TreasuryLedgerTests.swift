import Foundation
import PaymentCore
import PaymentStore
import Testing
import TronKit

/// The treasury operations' records, the same on both stores: stored with their one transaction under an
/// idempotency key, replayed or refused on a repeat, moved SIGNED → BROADCAST → final once, never back.
@Suite("Treasury ledger")
struct TreasuryLedgerTests {
    static let receiver = try! TronAddress(base58: "TMVQGm1qAQYVdetCeGRRkTWYYrLXuHK2HC")

    static func new(
        _ action: StakeOperation, key: String, scope: String = "ops/treasury-admin", txid: String? = nil
    ) -> NewTreasuryOperation {
        var generator = SystemRandomNumberGenerator()
        let id = Identifier.make(prefix: Identifier.treasuryPrefix, using: &generator)
        let txid = txid ?? String(repeating: "0", count: 32) + String(id.dropFirst(3))
        return NewTreasuryOperation(
            operation: TreasuryOperation(
                id: id, action: action, status: .signed, txid: txid, requestedBy: scope, createdAt: Make.now,
                updatedAt: Make.now),
            transaction: StoredTransaction(
                txid: txid, transactionBytes: [1, 2, 3, UInt8.random(in: 0...255)], expirationMilliseconds: 1_234),
            idempotencyScope: scope, idempotencyKey: key, fingerprint: RequestFingerprint.treasury(action))
    }

    @Test(
        "every kind round-trips; a repeat replays; another operation under the key is refused",
        arguments: LedgerStore.allCases)
    func recordAndReplay(_ store: LedgerStore) async throws {
        try await store.withLedger { subject in
            let ledger = subject.ledger
            let actions: [StakeOperation] = [
                .freeze(amountSun: 20_000_000_000, resource: .energy), .unfreeze(amountSun: 1, resource: .bandwidth),
                .withdrawExpired,
                .delegate(
                    amountSun: 1_000_000_000, resource: .energy, receiver: Self.receiver, lockPeriodBlocks: 86_400),
                .delegate(amountSun: 1_000_000, resource: .bandwidth, receiver: Self.receiver, lockPeriodBlocks: nil),
                .undelegate(amountSun: 5_000_000, resource: .energy, receiver: Self.receiver),
            ]
            for (index, action) in actions.enumerated() {
                let new = Self.new(action, key: "k-\(index)")
                let created = try await ledger.recordTreasuryOperation(new)
                #expect(!created.isReplay)
                #expect(created.value == new.operation)
                #expect(try await ledger.treasuryOperation(id: new.operation.id) == new.operation)
                // The same request again (another signature, the same content): the first operation, unchanged.
                let again = try await ledger.recordTreasuryOperation(Self.new(action, key: "k-\(index)"))
                #expect(again.isReplay)
                #expect(again.value == new.operation)
            }
            #expect(try await subject.count("treasury_operations") == actions.count)
            do {
                _ = try await ledger.recordTreasuryOperation(
                    Self.new(.freeze(amountSun: 20_000_000_001, resource: .energy), key: "k-0"))
                Issue.record("another operation reused the key")
            } catch let error as PaymentError {
                #expect(error.code == .failedPrecondition)
                #expect(error.message.contains("idempotency_key k-0 was used for another treasury operation"))
            }
            // Keys are per caller.
            let other = try await ledger.recordTreasuryOperation(
                Self.new(.withdrawExpired, key: "k-0", scope: "ops/api-gateway"))
            #expect(!other.isReplay)
            #expect(try await subject.count("treasury_operations") == actions.count + 1)
            let open = try await ledger.openTreasuryOperations()
            #expect(open.count == actions.count + 1)
            #expect(open.first?.transaction.expirationMilliseconds == 1_234)
            #expect(try await ledger.treasuryOperation(id: "tr_" + String(repeating: "f", count: 32)) == nil)
        }
    }

    @Test("SIGNED → BROADCAST → CONFIRMED once; a final operation never moves again", arguments: LedgerStore.allCases)
    func statusMoves(_ store: LedgerStore) async throws {
        try await store.withLedger { subject in
            let ledger = subject.ledger
            let new = Self.new(.freeze(amountSun: 5_000_000, resource: .energy), key: "moves")
            let id = new.operation.id
            _ = try await ledger.recordTreasuryOperation(new)
            let later = Make.now.addingTimeInterval(10)
            try await ledger.recordTreasuryBroadcast(id: id, at: later)
            try await ledger.recordTreasuryIncluded(id: id, blockNumber: 77, at: later)
            var operation = try #require(try await ledger.treasuryOperation(id: id))
            #expect(operation.status == .broadcast && operation.blockNumber == 77 && operation.updatedAt == later)
            try await ledger.recordTreasuryFinal(
                id: id, outcome: FinalOutcome(confirmed: true, blockNumber: 78, feeSun: 345_000), at: later)
            // A second final answer (another instance, a lying node) and late moves change nothing.
            try await ledger.recordTreasuryFinal(
                id: id, outcome: FinalOutcome(confirmed: false, reason: "late"), at: later.addingTimeInterval(5))
            try await ledger.recordTreasuryBroadcast(id: id, at: later.addingTimeInterval(6))
            try await ledger.recordTreasuryIncluded(id: id, blockNumber: 99, at: later.addingTimeInterval(7))
            operation = try #require(try await ledger.treasuryOperation(id: id))
            #expect(operation.status == .confirmed)
            #expect(operation.blockNumber == 78 && operation.feeSun == 345_000 && operation.failureReason == nil)
            #expect(operation.updatedAt == later)
            #expect(try await ledger.openTreasuryOperations().isEmpty)

            // A refused first send: FAILED with the reason, and BROADCAST can no longer follow.
            let refused = Self.new(.unfreeze(amountSun: 9, resource: .energy), key: "refused")
            _ = try await ledger.recordTreasuryOperation(refused)
            try await ledger.recordTreasuryRefusal(
                id: refused.operation.id, reason: "CONTRACT_VALIDATE_ERROR", at: later)
            try await ledger.recordTreasuryBroadcast(id: refused.operation.id, at: later)
            let failed = try #require(try await ledger.treasuryOperation(id: refused.operation.id))
            #expect(failed.status == .failed && failed.failureReason == "CONTRACT_VALIDATE_ERROR")

            // Another send of the same bytes was accepted first: a late refusal of the first send fails nothing.
            let raced = Self.new(.withdrawExpired, key: "raced")
            _ = try await ledger.recordTreasuryOperation(raced)
            try await ledger.recordTreasuryBroadcast(id: raced.operation.id, at: later)
            try await ledger.recordTreasuryRefusal(id: raced.operation.id, reason: "late refusal", at: later)
            #expect(try await ledger.treasuryOperation(id: raced.operation.id)?.status == .broadcast)

            // Seen in a block while still SIGNED (its first answer was lost): BROADCAST from then on.
            let seen = Self.new(.withdrawExpired, key: "seen")
            _ = try await ledger.recordTreasuryOperation(seen)
            try await ledger.recordTreasuryIncluded(id: seen.operation.id, blockNumber: 5, at: later)
            let included = try #require(try await ledger.treasuryOperation(id: seen.operation.id))
            #expect(included.status == .broadcast && included.blockNumber == 5)
            try await ledger.recordTreasuryRefusal(id: seen.operation.id, reason: "late", at: later)
            #expect(try await ledger.treasuryOperation(id: seen.operation.id)?.status == .broadcast)

            // The key's row is found without any node: the replay path.
            let found = try #require(
                try await ledger.treasuryOperation(idempotencyScope: "ops/treasury-admin", idempotencyKey: "seen"))
            #expect(found.operation.id == seen.operation.id && found.fingerprint == seen.fingerprint)
            #expect(try await ledger.treasuryOperation(idempotencyScope: "ops/other", idempotencyKey: "seen") == nil)
        }
    }

    @Test(
        "the schema refuses what no binary writes: a second row with one txid, an unknown kind",
        arguments: LedgerStore.allCases)
    func constraints(_ store: LedgerStore) async throws {
        try await store.withLedger { subject in
            let ledger = subject.ledger
            let txid = String(repeating: "ab", count: 32)
            _ = try await ledger.recordTreasuryOperation(Self.new(.withdrawExpired, key: "one", txid: txid))
            await #expect(throws: (any Error).self) {
                _ = try await ledger.recordTreasuryOperation(Self.new(.withdrawExpired, key: "two", txid: txid))
            }
            #expect(try await subject.count("treasury_operations") == 1)
            await #expect(throws: (any Error).self) {
                try await subject.execute("UPDATE treasury_operations SET kind = 'DRAIN'")
            }
            await #expect(throws: (any Error).self) {
                try await subject.execute("UPDATE treasury_operations SET amount_sun = -1")
            }
        }
    }

    @Test("concurrent requests with one key store one operation", arguments: LedgerStore.allCases)
    func concurrentSameKey(_ store: LedgerStore) async throws {
        try await store.withLedger { subject in
            let ledger = subject.ledger
            let outcomes = try await withThrowingTaskGroup(of: CreateOutcome<TreasuryOperation>.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await ledger.recordTreasuryOperation(
                            Self.new(.freeze(amountSun: 3_000_000, resource: .energy), key: "race"))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { !$0.isReplay }.count == 1)
            #expect(Set(outcomes.map(\.value.id)).count == 1)
            #expect(try await subject.count("treasury_operations") == 1)
        }
    }
}
