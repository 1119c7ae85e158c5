import Foundation
import Testing

@testable import PaymentCore

/// Shared values of the step tables: a transaction that expired 1 s ago by the local clock.
enum StepFixture {
    static let nowMs: Int64 = 1_900_000_000_000
    static let now = Date(milliseconds: nowMs)
    static let expiration = nowMs - 1_000
    static let settings = PayoutStep.Settings(
        maxAttempts: 3, clockToleranceMilliseconds: 10_000, lookupInterval: 2, rebroadcastInterval: 3)
    static let lookAgain = now.addingTimeInterval(2)

    static let pastSolid = PayoutStep.SolidBlock(number: 500, timeMilliseconds: expiration + 500)
    static let youngSolid = PayoutStep.SolidBlock(number: 480, timeMilliseconds: expiration - 3_000)
    static let aheadSolid = PayoutStep.SolidBlock(number: 9_999, timeMilliseconds: nowMs + 10_001)
    static let edgeSolid = PayoutStep.SolidBlock(number: 9_998, timeMilliseconds: nowMs + 10_000)

    static let success = PayoutStep.Receipt(
        blockNumber: 490, blockTimeMilliseconds: expiration - 2_000, feeSun: 7, contractResult: "SUCCESS")
    static let revert = PayoutStep.Receipt(
        blockNumber: 490, blockTimeMilliseconds: expiration - 2_000, feeSun: 9, contractResult: "REVERT", failed: true,
        message: "REVERT opcode executed")
    static let noResult = PayoutStep.Receipt(
        blockNumber: 490, blockTimeMilliseconds: expiration - 2_000, contractResult: nil)
    static let failedSuccess = PayoutStep.Receipt(
        blockNumber: 490, blockTimeMilliseconds: 1, contractResult: "SUCCESS", failed: true)

    static func tx(
        _ status: PayoutStatus = .broadcast, attempts: Int = 0, recorded: Int64? = nil, expiration: Int64 = expiration,
        nextBroadcast: Date = .distantPast, systemContract: Bool = false
    ) -> PayoutStep.InFlight {
        var transaction = PayoutStep.InFlight(
            txid: "ab", expirationMilliseconds: expiration, attempts: attempts, status: status,
            recordedBlockNumber: recorded, nextBroadcast: nextBroadcast)
        transaction.systemContract = systemContract
        return transaction
    }

    static func agree(_ node: String, solid: PayoutStep.SolidBlock = pastSolid) -> PayoutStep.CrossCheck {
        PayoutStep.CrossCheck(node: node, solid: .success(solid), lookup: .absent)
    }

    static let cleanEvidence = PayoutStep.AbsenceEvidence(primaryTransactionByID: .absent, crossChecks: [])
    static let retryAt = now.addingTimeInterval(PayoutStep.retryDelay(attempt: 1, random: 0.5))
}

/// One row of the in-flight table: ledger state × node answers → the action.
struct InFlightCase: Sendable, CustomTestStringConvertible {
    var name: String
    var transaction: PayoutStep.InFlight
    var solid: PayoutStep.SolidBlock
    var solidity: PayoutStep.Lookup
    var fullNode: PayoutStep.Lookup
    var evidence: PayoutStep.AbsenceEvidence?
    var expected: PayoutStep.Action
    var testDescription: String { name }
}

@Suite("PayoutStep.decide: every node answer × ledger state")
struct PayoutStepDecideTests {
    typealias F = StepFixture

    static let cases: [InFlightCase] = [
        // Rule 6: a solidity receipt finishes; only SUCCESS confirms.
        .init(
            name: "solid receipt SUCCESS confirms (BROADCAST)", transaction: F.tx(), solid: F.pastSolid,
            solidity: .included(F.success), fullNode: .absent, evidence: nil,
            expected: .finish(confirmed: true, receipt: F.success, reason: nil)),
        .init(
            name: "solid receipt SUCCESS confirms a SIGNED payout found after a crash", transaction: F.tx(.signed),
            solid: F.youngSolid, solidity: .included(F.success), fullNode: .failed("not asked"), evidence: nil,
            expected: .finish(confirmed: true, receipt: F.success, reason: nil)),
        .init(
            name: "REVERT receipt fails with the reason and the burned fee", transaction: F.tx(), solid: F.pastSolid,
            solidity: .included(F.revert), fullNode: .absent, evidence: nil,
            expected: .finish(
                confirmed: false, receipt: F.revert,
                reason: "REVERT: REVERT opcode executed; the fee of 9 sun was burned")),
        .init(
            name: "result FAILED beats a SUCCESS contract result", transaction: F.tx(), solid: F.pastSolid,
            solidity: .included(F.failedSuccess), fullNode: .absent, evidence: nil,
            expected: .finish(confirmed: false, receipt: F.failedSuccess, reason: "FAILED; the fee of 0 sun was burned")
        ),
        .init(
            name: "a system contract's (stake's) solid receipt without a result confirms",
            transaction: F.tx(systemContract: true), solid: F.pastSolid,
            solidity: .included(F.noResult), fullNode: .absent, evidence: nil,
            expected: .finish(confirmed: true, receipt: F.noResult, reason: nil)),
        .init(
            name: "a system contract's receipt with result FAILED fails", transaction: F.tx(systemContract: true),
            solid: F.pastSolid, solidity: .included(F.failedSuccess), fullNode: .absent, evidence: nil,
            expected: .finish(confirmed: false, receipt: F.failedSuccess, reason: "FAILED; the fee of 0 sun was burned")
        ),
        .init(
            name: "TRC-20 receipt without receipt.result is not success: waits", transaction: F.tx(),
            solid: F.pastSolid,
            solidity: .included(F.noResult), fullNode: .absent, evidence: nil,
            expected: .wait(until: F.lookAgain, why: .receiptWithoutResult(blockNumber: 490))),
        // The full node sees inclusion first; it records, never finishes.
        .init(
            name: "full node sees it in a block: recorded", transaction: F.tx(.signed), solid: F.youngSolid,
            solidity: .absent, fullNode: .included(F.success), evidence: nil,
            expected: .recordIncluded(blockNumber: 490, blockTimeMilliseconds: F.success.blockTimeMilliseconds)),
        .init(
            name: "full node, same block already recorded: follow", transaction: F.tx(recorded: 490),
            solid: F.youngSolid,
            solidity: .absent, fullNode: .included(F.success), evidence: nil, expected: .follow),
        .init(
            name: "full node, recorded but still SIGNED: recorded (SIGNED → BROADCAST)",
            transaction: F.tx(.signed, recorded: 490),
            solid: F.youngSolid, solidity: .absent, fullNode: .included(F.success), evidence: nil,
            expected: .recordIncluded(blockNumber: 490, blockTimeMilliseconds: F.success.blockTimeMilliseconds)),
        .init(
            name: "full node receipt in a block past the solid one never finishes", transaction: F.tx(recorded: 490),
            solid: F.pastSolid, solidity: .absent, fullNode: .included(F.success), evidence: nil, expected: .follow),
        // Not in a block, not provably dead: the same bytes (rule 3).
        .init(
            name: "absent, solid block not past expiration: rebroadcast", transaction: F.tx(), solid: F.youngSolid,
            solidity: .absent, fullNode: .absent, evidence: nil, expected: .rebroadcastSameBytes),
        .init(
            name: "absent, deferral not over: wait for it",
            transaction: F.tx(nextBroadcast: F.now.addingTimeInterval(1)),
            solid: F.youngSolid, solidity: .absent, fullNode: .absent, evidence: nil,
            expected: .wait(until: F.now.addingTimeInterval(1), why: .rebroadcastDeferred)),
        .init(
            name: "solidity {\"Error\"} past expiration is not absence: rebroadcast, never retire", transaction: F.tx(),
            solid: F.pastSolid, solidity: .failed("Error: boom"), fullNode: .absent, evidence: F.cleanEvidence,
            expected: .rebroadcastSameBytes),
        .init(
            name: "solidity unreachable past expiration: rebroadcast, never retire", transaction: F.tx(.signed),
            solid: F.pastSolid, solidity: .failed("unreachable"), fullNode: .failed("unreachable"), evidence: nil,
            expected: .rebroadcastSameBytes),
        // Rule 1: provably dead.
        .init(
            name: "absent and past expiration: gather evidence first", transaction: F.tx(), solid: F.pastSolid,
            solidity: .absent, fullNode: .absent, evidence: nil, expected: .verifyAbsence),
        .init(
            name: "absent, past expiration, evidence clean: retire and sign anew", transaction: F.tx(),
            solid: F.pastSolid,
            solidity: .absent, fullNode: .absent, evidence: F.cleanEvidence,
            expected: .retire(failed: false, retryAt: F.retryAt, reason: "transaction ab expired unconfirmed")),
        .init(
            name: "last attempt provably dead: retire and fail", transaction: F.tx(attempts: 2), solid: F.pastSolid,
            solidity: .absent, fullNode: .absent, evidence: F.cleanEvidence,
            expected: .retire(
                failed: true, retryAt: F.now.addingTimeInterval(PayoutStep.retryDelay(attempt: 3, random: 0.5)),
                reason: "the transaction expired unconfirmed 3 times")),
        .init(
            name: "full node lookup failed: no retire", transaction: F.tx(), solid: F.pastSolid, solidity: .absent,
            fullNode: .failed("timeout"), evidence: F.cleanEvidence,
            expected: .wait(until: F.lookAgain, why: .lookupFailed(node: "primary", message: "timeout"))),
        .init(
            name: "gettransactionbyid knows it: no retire", transaction: F.tx(), solid: F.pastSolid, solidity: .absent,
            fullNode: .absent, evidence: .init(primaryTransactionByID: .failed("knows it"), crossChecks: []),
            expected: .wait(until: F.lookAgain, why: .lookupFailed(node: "primary", message: "knows it"))),
        .init(
            name: "local clock not past expiration: no retire", transaction: F.tx(expiration: F.nowMs + 5_000),
            solid: .init(number: 600, timeMilliseconds: F.nowMs + 6_000), solidity: .absent, fullNode: .absent,
            evidence: F.cleanEvidence, expected: .wait(until: F.lookAgain, why: .notExpiredByLocalClock)),
        // Rule 1b: a lying node whose solid block is ahead of the clock.
        .init(
            name: "lying node: solid block ahead of the clock retires nothing", transaction: F.tx(),
            solid: F.aheadSolid,
            solidity: .absent, fullNode: .absent, evidence: F.cleanEvidence,
            expected: .wait(
                until: F.lookAgain, why: .solidBlockAheadOfClock(node: "primary", aheadMilliseconds: 10_001))),
        .init(
            name: "solid block exactly the tolerance ahead may retire", transaction: F.tx(), solid: F.edgeSolid,
            solidity: .absent, fullNode: .absent, evidence: F.cleanEvidence,
            expected: .retire(failed: false, retryAt: F.retryAt, reason: "transaction ab expired unconfirmed")),
        .init(
            name: "lying node ahead of the clock, honest cross-check holds it: wait (one node never finishes)",
            transaction: F.tx(), solid: F.aheadSolid, solidity: .absent, fullNode: .absent,
            evidence: .init(
                primaryTransactionByID: .absent,
                crossChecks: [
                    .init(node: "honest", solid: .success(F.pastSolid), lookup: .included(F.success))
                ]),
            expected: .wait(
                until: F.lookAgain, why: .solidBlockAheadOfClock(node: "primary", aheadMilliseconds: 10_001))),
        // Rule 1c: cross-check nodes.
        .init(
            name: "lagging primary says {}; cross-check holds it in a solid block: wait, never retire",
            transaction: F.tx(), solid: F.pastSolid, solidity: .absent, fullNode: .absent,
            evidence: .init(
                primaryTransactionByID: .absent,
                crossChecks: [
                    .init(node: "honest", solid: .success(F.pastSolid), lookup: .included(F.success))
                ]),
            expected: .wait(
                until: F.lookAgain,
                why: .crossCheckDisagrees(node: "honest", message: "the transaction is in a block"))),
        .init(
            name: "two cross-checks agree: retire", transaction: F.tx(), solid: F.pastSolid, solidity: .absent,
            fullNode: .absent,
            evidence: .init(primaryTransactionByID: .absent, crossChecks: [F.agree("a"), F.agree("b")]),
            expected: .retire(failed: false, retryAt: F.retryAt, reason: "transaction ab expired unconfirmed")),
        .init(
            name: "cross-check's solid block not past expiration: wait", transaction: F.tx(), solid: F.pastSolid,
            solidity: .absent, fullNode: .absent,
            evidence: .init(
                primaryTransactionByID: .absent, crossChecks: [F.agree("a"), F.agree("b", solid: F.youngSolid)]),
            expected: .wait(
                until: F.lookAgain,
                why: .crossCheckDisagrees(
                    node: "b", message: "its solid block 480 is not past the expiration yet"))),
        .init(
            name: "cross-check unreachable: wait", transaction: F.tx(), solid: F.pastSolid, solidity: .absent,
            fullNode: .absent,
            evidence: .init(
                primaryTransactionByID: .absent,
                crossChecks: [
                    .init(node: "a", solid: .failure(.init("solid block: unreachable")), lookup: .failed("unreachable"))
                ]),
            expected: .wait(
                until: F.lookAgain, why: .crossCheckDisagrees(node: "a", message: "solid block: unreachable"))),
        .init(
            name: "cross-check lookup {\"Error\"}: wait", transaction: F.tx(), solid: F.pastSolid, solidity: .absent,
            fullNode: .absent,
            evidence: .init(
                primaryTransactionByID: .absent,
                crossChecks: [
                    .init(node: "a", solid: .success(F.pastSolid), lookup: .failed("Error: x"))
                ]),
            expected: .wait(until: F.lookAgain, why: .crossCheckDisagrees(node: "a", message: "Error: x"))),
        .init(
            name: "cross-check ahead of the clock: wait", transaction: F.tx(), solid: F.pastSolid, solidity: .absent,
            fullNode: .absent,
            evidence: .init(primaryTransactionByID: .absent, crossChecks: [F.agree("a", solid: F.aheadSolid)]),
            expected: .wait(until: F.lookAgain, why: .solidBlockAheadOfClock(node: "a", aheadMilliseconds: 10_001))),
        .init(
            name: "cross-check holds a REVERT: wait (only the primary's solid chain fails a payout)",
            transaction: F.tx(), solid: F.pastSolid, solidity: .absent, fullNode: .absent,
            evidence: .init(
                primaryTransactionByID: .absent,
                crossChecks: [
                    .init(node: "a", solid: .success(F.pastSolid), lookup: .included(F.revert))
                ]),
            expected: .wait(
                until: F.lookAgain, why: .crossCheckDisagrees(node: "a", message: "the transaction is in a block"))),
    ]

    @Test("in-flight table", arguments: cases)
    func table(_ row: InFlightCase) {
        let action = PayoutStep.decide(
            row.transaction,
            primary: .init(solid: row.solid, solidityLookup: row.solidity, fullNodeLookup: row.fullNode),
            evidence: row.evidence, now: F.now, settings: F.settings, random: 0.5)
        #expect(action == row.expected)
    }

    static let lookups: [PayoutStep.Lookup] = [
        .absent, .included(F.success), .included(F.revert), .included(F.noResult), .failed("Error"),
    ]

    /// Every combination of answers: a retire needs every index and node to say {} past expiration, clocks sane.
    @Test("no combination of answers retires unless all of them prove absence", arguments: lookups, lookups)
    func retireNeedsEveryone(_ solidity: PayoutStep.Lookup, _ fullNode: PayoutStep.Lookup) {
        for solid in [F.pastSolid, F.youngSolid, F.aheadSolid] {
            for byID in Self.lookups {
                for cross in Self.lookups {
                    for status in [PayoutStatus.signed, .broadcast] {
                        let evidence = PayoutStep.AbsenceEvidence(
                            primaryTransactionByID: byID,
                            crossChecks: [.init(node: "c", solid: .success(F.pastSolid), lookup: cross)])
                        let action = PayoutStep.decide(
                            F.tx(status),
                            primary: .init(solid: solid, solidityLookup: solidity, fullNodeLookup: fullNode),
                            evidence: evidence, now: F.now, settings: F.settings, random: 0.5)
                        if case .retire = action {
                            #expect(solidity == .absent && fullNode == .absent && byID == .absent && cross == .absent)
                            #expect(solid == F.pastSolid)
                        }
                        if case .finish(let confirmed, let receipt, _) = action, confirmed {
                            #expect(receipt.contractResult == "SUCCESS" && !receipt.failed)
                        }
                    }
                }
            }
        }
    }
}

struct BroadcastCase: Sendable, CustomTestStringConvertible {
    var answer: PayoutStep.BroadcastAnswer
    var history: PayoutStep.BroadcastHistory
    var expected: PayoutStep.BroadcastAction
    var testDescription: String { "\(answer) after \(history)" }
}

@Suite("PayoutStep.decideBroadcast: every code × broadcast history")
struct PayoutStepBroadcastTests {
    typealias F = StepFixture
    static let retryAt = F.now.addingTimeInterval(3)
    static let trip = PayoutStep.BreakerEffect.trip(reason: "the node refused a payout signature (SIGERROR)")

    static var cases: [BroadcastCase] {
        var rows: [BroadcastCase] = []
        let histories: [PayoutStep.BroadcastHistory] = [.freshBytes, .unknown, .accepted]
        for history in histories {
            rows.append(.init(answer: .accepted, history: history, expected: .recordBroadcast))
            rows.append(.init(answer: .duplicate, history: history, expected: .recordBroadcast))
            rows.append(
                .init(
                    answer: .unanswered("timeout"), history: history,
                    expected: .retryLater(retryAt: retryAt, note: "broadcast unanswered: timeout", breaker: .none)))
            for code in ["TAPOS_ERROR", "TRANSACTION_EXPIRATION_ERROR", "BANDWITH_ERROR", "SERVER_BUSY", "OTHER_ERROR"]
            {
                rows.append(
                    .init(
                        answer: .refused(code: code, message: "m"), history: history,
                        expected: .retryLater(retryAt: retryAt, note: "\(code): m", breaker: .none)))
            }
        }
        // First send of fresh bytes: a permanent refusal fails (nothing was ever accepted).
        rows.append(
            .init(
                answer: .refused(code: "SIGERROR", message: "bad sig"), history: .freshBytes,
                expected: .fail(reason: "SIGERROR: bad sig", breaker: trip)))
        for code in ["CONTRACT_VALIDATE_ERROR", "CONTRACT_EXE_ERROR", "TOO_BIG_TRANSACTION_ERROR"] {
            rows.append(
                .init(
                    answer: .refused(code: code, message: "m"), history: .freshBytes,
                    expected: .fail(reason: "\(code): m", breaker: .recordFailure)))
        }
        // Rule 7: a refused rebroadcast of bytes that were (or may have been) accepted never fails the payout.
        for history in [PayoutStep.BroadcastHistory.unknown, .accepted] {
            rows.append(
                .init(
                    answer: .refused(code: "SIGERROR", message: "bad sig"), history: history,
                    expected: .retryLater(retryAt: retryAt, note: "SIGERROR: bad sig", breaker: trip)))
            for code in ["CONTRACT_VALIDATE_ERROR", "CONTRACT_EXE_ERROR", "TOO_BIG_TRANSACTION_ERROR"] {
                rows.append(
                    .init(
                        answer: .refused(code: code, message: "m"), history: history,
                        expected: .retryLater(retryAt: retryAt, note: "\(code): m", breaker: .none)))
            }
        }
        return rows
    }

    @Test("broadcast table", arguments: cases)
    func table(_ row: BroadcastCase) {
        #expect(
            PayoutStep.decideBroadcast(row.answer, history: row.history, now: F.now, settings: F.settings)
                == row.expected)
    }
}

struct OutflowCase: Sendable, CustomTestStringConvertible {
    var name: String
    var amount: Int64
    var signed: PayoutStep.Outflow
    var expected: PayoutStep.SigningAction
    var testDescription: String { name }
}

@Suite("PayoutStep.decideSigning: the outflow windows")
struct PayoutStepOutflowTests {
    static let limits = LimitPolicy(dailyUnits: 10_000, hourlyUnits: 1_000)
    /// 2030-01-01T23:30:00Z.
    static let now = Date(timeIntervalSince1970: 1_893_540_600)
    static let nextHour = Date(timeIntervalSince1970: 1_893_542_400)
    static let nextDay = Date(timeIntervalSince1970: 1_893_542_400)

    static let cases: [OutflowCase] = [
        .init(name: "empty windows sign", amount: 100, signed: .init(hourUnits: 0, dayUnits: 0), expected: .signNew),
        .init(
            name: "exactly the hourly limit signs", amount: 100, signed: .init(hourUnits: 900, dayUnits: 900),
            expected: .signNew),
        .init(
            name: "one unit over the hourly limit waits for the next hour", amount: 101,
            signed: .init(hourUnits: 900, dayUnits: 900),
            expected: .wait(
                until: nextHour, limit: .hourly,
                reason:
                    "hourly outflow limit: 0.000900 USDT signed this hour, 0.000101 USDT more would pass 0.001000 USDT")
        ),
        .init(
            name: "over the daily limit waits for the next day", amount: 100,
            signed: .init(hourUnits: 0, dayUnits: 9_950),
            expected: .wait(
                until: nextDay, limit: .daily,
                reason: "daily outflow limit: 0.009950 USDT signed today, "
                    + "0.000100 USDT more would pass 0.010000 USDT")),
        .init(
            name: "an overflowing sum waits instead of wrapping", amount: 100,
            signed: .init(hourUnits: Int64.max - 50, dayUnits: 0),
            expected: .wait(
                until: nextHour, limit: .hourly,
                reason: "hourly outflow limit: 9223372036854.775757 USDT signed this hour, "
                    + "0.000100 USDT more would pass 0.001000 USDT")),
    ]

    @Test("outflow table", arguments: cases)
    func table(_ row: OutflowCase) {
        #expect(
            PayoutStep.decideSigning(amountUnits: row.amount, signed: row.signed, limits: Self.limits, now: Self.now)
                == row.expected)
    }

    @Test("adding is checked")
    func adding() {
        #expect(PayoutStep.adding(5, to: .init(hourUnits: 1, dayUnits: 2)) == .init(hourUnits: 6, dayUnits: 7))
        #expect(PayoutStep.adding(1, to: .init(hourUnits: 0, dayUnits: .max)) == nil)
    }
}

@Suite("PayoutStep.retryDelay: exponential backoff with injected jitter")
struct PayoutStepBackoffTests {
    @Test(
        "2 s doubling to 60 s, times 0.5…1",
        arguments: [
            (1, 0.0, 1.0), (1, 1.0, 2.0), (2, 0.5, 3.0), (3, 0.0, 4.0), (6, 1.0, 60.0), (40, 0.0, 30.0), (0, 0.0, 1.0),
        ])
    func delay(_ attempt: Int, _ random: Double, _ expected: Double) {
        #expect(PayoutStep.retryDelay(attempt: attempt, random: random) == expected)
    }

    @Test("a NaN or out-of-range random value stays within the bounds")
    func oddRandom() {
        #expect(PayoutStep.retryDelay(attempt: 1, random: .nan) == 1)
        #expect(PayoutStep.retryDelay(attempt: 1, random: 7) == 2)
        #expect(PayoutStep.retryDelay(attempt: 1, random: -3) == 1)
    }
}
