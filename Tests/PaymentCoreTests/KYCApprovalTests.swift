import Crypto
import Foundation
import Testing
import TronKit

@testable import PaymentCore

@Suite("KYC approvals: one domain, one payout, a bounded lifetime")
struct KYCApprovalTests {
    @Test("the canonical text, line by line")
    func canonicalText() {
        let single = KYCApproval.canonicalText(
            domain: .payout(idempotencyKey: "K"), recipient: "TXYZ", amountUnits: 5, nodeID: "n-1",
            kycHash: String(repeating: "AB", count: 32), notAfterUnixSeconds: 1_800_000_000)
        #expect(
            single == """
                lucid.payment.v1.kyc-approval.v2
                domain:payout
                idempotency_key:K
                recipient_address:TXYZ
                amount_units:5
                node_id:n-1
                kyc_hash:\(String(repeating: "ab", count: 32))
                not_after:1800000000
                """)
        let item = KYCApproval.canonicalText(
            domain: .batchItem(batchIdempotencyKey: "K", index: 3), recipient: "TXYZ", amountUnits: 5, nodeID: "n-1",
            kycHash: "ab", notAfterUnixSeconds: 1)
        #expect(
            item.split(separator: "\n").prefix(3) == [
                "lucid.payment.v1.kyc-approval.v2", "domain:batch_item:3", "idempotency_key:K",
            ])
    }

    static func draft(_ kyc: KYCAttestation, amount: Int64 = 5) -> PayoutDraft {
        PayoutDraft(recipient: Fixture.recipient, amountUnits: amount, reason: "r", router: .kyc, kyc: kyc)
    }

    @Test("an approval verifies only in its own domain: single ≠ batch item, item i ≠ item j, K/0 ≠ (K, 0)")
    func domainsAreSeparate() throws {
        let single0 = Fixture.kyc(key: "K/0", amount: 5)
        let item0 = Fixture.kyc(key: "K", amount: 5, domain: .batchItem(batchIdempotencyKey: "K", index: 0))
        let policy = Fixture.policy
        _ = try policy.validate(Self.draft(single0), approval: .payout(idempotencyKey: "K/0"), now: Fixture.now)
        _ = try policy.validate(
            Self.draft(item0), approval: .batchItem(batchIdempotencyKey: "K", index: 0), now: Fixture.now)
        let crossings: [(KYCAttestation, KYCApproval.Domain)] = [
            (item0, .payout(idempotencyKey: "K/0")),
            (item0, .payout(idempotencyKey: "K")),
            (single0, .batchItem(batchIdempotencyKey: "K", index: 0)),
            (item0, .batchItem(batchIdempotencyKey: "K", index: 1)),
            (item0, .batchItem(batchIdempotencyKey: "L", index: 0)),
        ]
        for (kyc, domain) in crossings {
            #expect(throws: PaymentError.self, "\(domain)") {
                try policy.validate(Self.draft(kyc), approval: domain, now: Fixture.now)
            }
        }
    }

    @Test(
        "not_after is required, signed, and at most 30 days ahead",
        arguments: [
            (Int64(0), "is required"),
            (Int64(Fixture.now.timeIntervalSince1970) + 30 * 86_400 + 1, "more than 30 days"),
            (Int64.max, "more than 30 days"),
        ])
    func notAfterBounds(notAfter: Int64, message: String) {
        let kyc = Fixture.kyc(key: "k", amount: 5, notAfter: notAfter)
        do {
            _ = try Fixture.policy.validate(Self.draft(kyc), approval: .payout(idempotencyKey: "k"), now: Fixture.now)
            Issue.record("accepted not_after \(notAfter)")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.field == "kyc.not_after_unix_seconds")
            #expect(error.message.contains(message), "\(error.message)")
        }
    }

    @Test("moving not_after breaks the signature; the approval use carries the digest of the signed text")
    func notAfterIsSigned() throws {
        var kyc = Fixture.kyc(key: "k", amount: 5)
        let validated = try Fixture.policy.validate(
            Self.draft(kyc), approval: .payout(idempotencyKey: "k"), now: Fixture.now)
        let text = KYCApproval.canonicalText(
            domain: .payout(idempotencyKey: "k"), recipient: Fixture.recipient, amountUnits: 5, nodeID: "node-7",
            kycHash: Fixture.kycHash, notAfterUnixSeconds: Fixture.notAfter)
        #expect(validated.kycApproval?.digest == Hex.encode(SHA256.hash(data: Data(text.utf8))))
        #expect(validated.kycApproval?.notAfter == Date(timeIntervalSince1970: TimeInterval(Fixture.notAfter)))
        kyc.notAfterUnixSeconds += 1
        #expect(throws: PaymentError.self) {
            try Fixture.policy.validate(Self.draft(kyc), approval: .payout(idempotencyKey: "k"), now: Fixture.now)
        }
    }

    @Test("an approval is usable until its not_after second, and refused with FAILED_PRECONDITION after")
    func expiry() throws {
        let use = KYCApprovalUse(digest: String(repeating: "0", count: 64), notAfter: Fixture.now)
        try use.requireUnexpired(at: Fixture.now)
        do {
            try use.requireUnexpired(at: Fixture.now.addingTimeInterval(0.001))
            Issue.record("accepted an expired approval")
        } catch {
            #expect(error.code == .failedPrecondition)
            #expect(error.field == "kyc.not_after_unix_seconds")
            #expect(error.message.contains("expired"))
        }
    }

    @Test("the fingerprint of a KYC request covers not_after; a non-KYC fingerprint is unchanged by it")
    func fingerprintCoversNotAfter() {
        let a = Self.draft(Fixture.kyc(key: "k", amount: 5))
        var b = a
        b.kyc?.notAfterUnixSeconds += 1
        #expect(RequestFingerprint.payout(a, priority: nil) != RequestFingerprint.payout(b, priority: nil))
    }
}

@Suite("Limits: checked sums near Int64.max")
struct LimitsOverflowTests {
    @Test(
        "usage + amount past Int64.max is RESOURCE_EXHAUSTED naming the limit, never a trap",
        arguments: [
            (LimitUsage(dayUnits: 0, hourUnits: .max - 1), "hourly"),
            (LimitUsage(dayUnits: .max - 1, hourUnits: 0), "daily"),
            (LimitUsage(dayUnits: .max, hourUnits: .max), "hourly"),
        ])
    func overflow(usage: LimitUsage, limit: String) {
        let policy = LimitPolicy(dailyUnits: .max, hourlyUnits: .max)
        do {
            try policy.admit(2, usage: usage)
            Issue.record("admitted past Int64.max")
        } catch {
            #expect(error.code == .resourceExhausted)
            #expect(error.limit == limit)
            #expect(error.message.hasPrefix("\(limit) limit"), "\(error.message)")
        }
        #expect(throws: PaymentError.self) { try usage.adding(.max) }
    }

    @Test("up to the limit is admitted, one unit more is not")
    func edge() throws {
        let policy = LimitPolicy(dailyUnits: .max, hourlyUnits: .max - 1)
        try policy.admit(1, usage: LimitUsage(dayUnits: .max - 1, hourUnits: .max - 2))
        #expect(throws: PaymentError.self) { try policy.admit(2, usage: LimitUsage(dayUnits: 0, hourUnits: .max - 2)) }
        #expect(try LimitUsage(dayUnits: 1, hourUnits: 2).adding(3) == LimitUsage(dayUnits: 4, hourUnits: 5))
    }
}
