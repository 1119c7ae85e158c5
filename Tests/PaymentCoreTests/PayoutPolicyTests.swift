import Foundation
import Testing

@testable import PaymentCore

@Suite("Payout validation and routing")
struct PayoutPolicyTests {
    struct Refusal: CustomTestStringConvertible, Sendable {
        var name: String
        var draft: PayoutDraft
        var field: String
        var messageContains: String
        var testDescription: String { name }
    }

    static let refusals: [Refusal] = [
        .init(
            name: "empty recipient", draft: .init(recipient: "", amountUnits: 1, reason: "r"),
            field: "recipient_address", messageContains: "required"),
        .init(
            name: "bad checksum",
            draft: .init(recipient: "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u", amountUnits: 1, reason: "r"),
            field: "recipient_address", messageContains: "checksum"),
        .init(
            name: "hex form",
            draft: .init(recipient: "41a614f803b6fd780986a42c78ec9c7f77e6ded13c", amountUnits: 1, reason: "r"),
            field: "recipient_address", messageContains: "invalid base58 character"),
        .init(
            name: "wrong prefix",
            draft: .init(recipient: "TpSyGx2w2bR9GdrDrYtrYwbvSPhwSmg7ER", amountUnits: 1, reason: "r"),
            field: "recipient_address", messageContains: "0x42"),
        .init(
            name: "zero amount", draft: .init(recipient: Fixture.recipient, amountUnits: 0, reason: "r"),
            field: "amount_units", messageContains: "greater than 0"),
        .init(
            name: "negative amount", draft: .init(recipient: Fixture.recipient, amountUnits: -5, reason: "r"),
            field: "amount_units", messageContains: "greater than 0"),
        .init(
            name: "over V0 maximum", draft: .init(recipient: Fixture.recipient, amountUnits: 100_000_001, reason: "r"),
            field: "amount_units", messageContains: "V0 per-payout maximum of 100.000000 USDT"),
        .init(
            name: "over DIRECT maximum",
            draft: .init(recipient: Fixture.trusted, amountUnits: 500_000_001, reason: "r", router: .direct),
            field: "amount_units", messageContains: "DIRECT per-payout maximum"),
        .init(
            name: "empty reason", draft: .init(recipient: Fixture.recipient, amountUnits: 1, reason: ""),
            field: "reason", messageContains: "required"),
        .init(
            name: "reason of 257 characters",
            draft: .init(recipient: Fixture.recipient, amountUnits: 1, reason: String(repeating: "é", count: 257)),
            field: "reason", messageContains: "at most 256"),
        .init(
            name: "control character in reason",
            draft: .init(recipient: Fixture.recipient, amountUnits: 1, reason: "a\u{0}b"), field: "reason",
            messageContains: "control"),
        .init(
            name: "DIRECT off the allowlist",
            draft: .init(recipient: Fixture.recipient, amountUnits: 1, reason: "r", router: .direct),
            field: "recipient_address", messageContains: "not on the DIRECT allowlist"),
        .init(
            name: "KYC without attestation",
            draft: .init(recipient: Fixture.recipient, amountUnits: 1, reason: "r", router: .kyc), field: "kyc",
            messageContains: "required"),
        .init(
            name: "KYC not verified",
            draft: .init(
                recipient: Fixture.recipient, amountUnits: 1, reason: "r", router: .kyc,
                kyc: .init(verified: false, hash: Fixture.kycHash, nodeID: "n", complianceSignature: "x")),
            field: "kyc.kyc_verified", messageContains: "true"),
        .init(
            name: "KYC hash too short",
            draft: .init(
                recipient: Fixture.recipient, amountUnits: 1, reason: "r", router: .kyc,
                kyc: .init(verified: true, hash: "abcd", nodeID: "n", complianceSignature: "x")), field: "kyc.kyc_hash",
            messageContains: "64 hexadecimal"),
        .init(
            name: "KYC hash not hex",
            draft: .init(
                recipient: Fixture.recipient, amountUnits: 1, reason: "r", router: .kyc,
                kyc: .init(
                    verified: true, hash: String(repeating: "zz", count: 32), nodeID: "n", complianceSignature: "x")),
            field: "kyc.kyc_hash", messageContains: "64 hexadecimal"),
        .init(
            name: "KYC bad node id",
            draft: .init(
                recipient: Fixture.recipient, amountUnits: 1, reason: "r", router: .kyc,
                kyc: .init(verified: true, hash: Fixture.kycHash, nodeID: "no spaces", complianceSignature: "x")),
            field: "kyc.node_id", messageContains: "1-128"),
        .init(
            name: "KYC missing signature",
            draft: .init(
                recipient: Fixture.recipient, amountUnits: 1, reason: "r", router: .kyc,
                kyc: .init(verified: true, hash: Fixture.kycHash, nodeID: "n", complianceSignature: "")),
            field: "kyc.compliance_signature", messageContains: "required"),
        .init(
            name: "KYC garbage signature",
            draft: .init(
                recipient: Fixture.recipient, amountUnits: 1, reason: "r", router: .kyc,
                kyc: .init(
                    verified: true, hash: Fixture.kycHash, nodeID: "n", complianceSignature: "bm9wZQ==",
                    notAfterUnixSeconds: Fixture.notAfter)), field: "kyc.compliance_signature",
            messageContains: "not a valid Ed25519"),
        .init(
            name: "KYC signature for another amount",
            draft: .init(
                recipient: Fixture.recipient, amountUnits: 2, reason: "r", router: .kyc,
                kyc: Fixture.kyc(key: "key-1", amount: 1)), field: "kyc.compliance_signature",
            messageContains: "not a valid"),
        .init(
            name: "KYC signature for another recipient",
            draft: .init(
                recipient: Fixture.trusted, amountUnits: 1, reason: "r", router: .kyc,
                kyc: Fixture.kyc(key: "key-1", amount: 1)), field: "kyc.compliance_signature",
            messageContains: "not a valid"),
    ]

    @Test("refusals name the field and say what is wrong", arguments: refusals)
    func refusal(_ refused: Refusal) {
        do {
            _ = try Fixture.policy.validate(refused.draft, approval: .payout(idempotencyKey: "key-1"), now: Fixture.now)
            Issue.record("accepted \(refused.name)")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.field == refused.field)
            #expect(error.message.hasPrefix("\(refused.field): "))
            #expect(error.message.contains(refused.messageContains), "\(error.message)")
        }
    }

    @Test("a KYC approval binds the idempotency key: it cannot be replayed under another key")
    func kycReplay() {
        let draft = PayoutDraft(
            recipient: Fixture.recipient, amountUnits: 5, reason: "r", router: .kyc,
            kyc: Fixture.kyc(key: "key-1", amount: 5))
        #expect(throws: Never.self) {
            try Fixture.policy.validate(draft, approval: .payout(idempotencyKey: "key-1"), now: Fixture.now)
        }
        #expect(throws: PaymentError.self) {
            try Fixture.policy.validate(draft, approval: .payout(idempotencyKey: "key-2"), now: Fixture.now)
        }
    }

    @Test("KYC is refused when no authority is configured")
    func kycWithoutAuthority() {
        var policy = Fixture.policy
        policy.complianceAuthority = nil
        let draft = PayoutDraft(
            recipient: Fixture.recipient, amountUnits: 5, reason: "r", router: .kyc,
            kyc: Fixture.kyc(key: "k", amount: 5))
        #expect(
            throws: PaymentError(
                .failedPrecondition,
                "KYC payouts are disabled: no compliance authority key is configured (compliance.authority_public_key)")
        ) {
            try policy.validate(draft, approval: .payout(idempotencyKey: "k"), now: Fixture.now)
        }
    }

    @Test("valid payouts of each router")
    func accepted() throws {
        let v0 = try Fixture.policy.validate(
            .init(recipient: Fixture.recipient, amountUnits: 100_000_000, reason: "session"),
            approval: .payout(idempotencyKey: "a"), now: Fixture.now)
        #expect(v0.router == .v0)
        let direct = try Fixture.policy.validate(
            .init(recipient: Fixture.trusted, amountUnits: 500_000_000, reason: "ops", router: .direct),
            approval: .payout(idempotencyKey: "b"), now: Fixture.now)
        #expect(direct.router == .direct)
        let kycDraft = PayoutDraft(
            recipient: Fixture.recipient, amountUnits: 1_000_000_000, reason: "node reward",
            kyc: Fixture.kyc(key: "c", amount: 1_000_000_000))
        let kyc = try Fixture.policy.validate(kycDraft, approval: .payout(idempotencyKey: "c"), now: Fixture.now)
        #expect(kyc.router == .kyc)
        #expect(kyc.nodeID == "node-7")
        #expect(kyc.kycHash == Fixture.kycHash)
    }

    @Test(
        "the seed rule chooses a router when none is named",
        arguments: [
            (nil as KYCAttestation?, Router.v0),
            (KYCAttestation(verified: true, hash: "h", nodeID: "n", complianceSignature: ""), .kyc),
            (KYCAttestation(verified: false, hash: "h", nodeID: "n", complianceSignature: ""), .v0),
            (KYCAttestation(verified: true, hash: "", nodeID: "n", complianceSignature: ""), .v0),
            (KYCAttestation(verified: true, hash: "h", nodeID: "", complianceSignature: ""), .v0),
        ])
    func routerSelection(kyc: KYCAttestation?, expected: Router) {
        #expect(Router.select(requested: nil, kyc: kyc) == expected)
        #expect(Router.select(requested: .direct, kyc: kyc) == .direct)
    }

    @Test("ids and idempotency keys")
    func identifiers() {
        var generator = SystemRandomNumberGenerator()
        let id = Identifier.make(prefix: Identifier.payoutPrefix, using: &generator)
        #expect(Identifier.isWellFormed(id, prefix: "po_"))
        #expect(!Identifier.isWellFormed("po_" + String(repeating: "A", count: 32), prefix: "po_"))
        #expect(!Identifier.isWellFormed("bt_" + String(repeating: "a", count: 32), prefix: "po_"))
        #expect(!Identifier.isWellFormed("po_abc", prefix: "po_"))
        #expect(throws: Never.self) { try Identifier.validateIdempotencyKey(String(repeating: "k", count: 255)) }
        #expect(throws: PaymentError.self) { try Identifier.validateIdempotencyKey(String(repeating: "k", count: 256)) }
        #expect(throws: PaymentError.self) { try Identifier.validateIdempotencyKey("") }
        #expect(throws: PaymentError.self) { try Identifier.validateIdempotencyKey("has space") }
    }

    @Test("fingerprints differ for any changed field and match for equal requests")
    func fingerprints() {
        let base = PayoutDraft(recipient: Fixture.recipient, amountUnits: 5, reason: "r")
        var other = base
        other.amountUnits = 6
        #expect(RequestFingerprint.payout(base, priority: nil) == RequestFingerprint.payout(base, priority: nil))
        #expect(RequestFingerprint.payout(base, priority: nil) != RequestFingerprint.payout(other, priority: nil))
        #expect(RequestFingerprint.payout(base, priority: nil) != RequestFingerprint.payout(base, priority: .daily))
        #expect(
            RequestFingerprint.batch([base], batchType: nil) != RequestFingerprint.batch([base, base], batchType: nil))
        // Length prefixes: moving a character between fields changes the digest.
        let a = PayoutDraft(recipient: "ab", amountUnits: 1, reason: "c")
        let b = PayoutDraft(recipient: "a", amountUnits: 1, reason: "bc")
        #expect(RequestFingerprint.payout(a, priority: nil) != RequestFingerprint.payout(b, priority: nil))
    }

    @Test("USDT amounts print exactly")
    func usdtFormat() {
        #expect(USDT.format(1) == "0.000001 USDT")
        #expect(USDT.format(10_000_000_000) == "10000.000000 USDT")
        #expect(USDT.format(-1_500_000) == "-1.500000 USDT")
        #expect(USDT.format(.max) == "9223372036854.775807 USDT")
    }

    @Test("requested_by from the caller identity")
    func requestedBy() {
        #expect(CallerIdentity().requestedBy == "anonymous")
        #expect(CallerIdentity(plane: "ops", service: "api-gateway").requestedBy == "ops/api-gateway")
        #expect(
            CallerIdentity(plane: "ops", service: "api-gateway", userID: "42").requestedBy == "ops/api-gateway/user:42")
    }
}
