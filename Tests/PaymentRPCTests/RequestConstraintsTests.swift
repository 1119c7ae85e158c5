import Foundation
import GRPCCore
import PaymentAPI
import PaymentRPC
import SwiftProtobuf
import Testing

/// The generated request checks (Sources/PaymentAPI/Generated/payment.constraints.swift, from the proto's
/// `(lucid.api.v1.field)` options) and the interceptor that runs them before every handler.
@Suite("generated request constraints")
struct RequestConstraintsTests {
    static let address = InProcessServer.recipient
    static let payoutID = "po_" + String(repeating: "0", count: 32)

    static func payout(_ change: (inout Lucid_Payment_V1_CreatePayoutRequest) -> Void = { _ in })
        -> Lucid_Payment_V1_CreatePayoutRequest
    {
        var request = InProcessServer.createRequest(key: "k-1")
        change(&request)
        return request
    }

    static func item(_ change: (inout Lucid_Payment_V1_BatchItem) -> Void = { _ in }) -> Lucid_Payment_V1_BatchItem {
        var item = Lucid_Payment_V1_BatchItem.with {
            $0.recipientAddress = address
            $0.amountUnits = 1
            $0.reason = "r"
        }
        change(&item)
        return item
    }

    static func batch(_ items: [Lucid_Payment_V1_BatchItem]) -> Lucid_Payment_V1_CreateBatchRequest {
        .with {
            $0.idempotencyKey = "b-1"
            $0.items = items
        }
    }

    func violation(_ message: some ConstraintChecked) -> FieldConstraintViolation? {
        do {
            try message.checkConstraints()
            return nil
        } catch {
            return error
        }
    }

    @Test("valid requests pass, including optional fields left empty and a full KYC attestation")
    func validPasses() {
        #expect(violation(Self.payout()) == nil)
        #expect(violation(Self.payout { $0.kyc = InProcessServer.kyc(key: "k-1", amount: 5_000_000) }) == nil)
        #expect(
            violation(Self.payout { $0.kyc = .with { $0.kycVerified = false } }) == nil, "empty kyc fields are allowed")
        #expect(violation(Lucid_Payment_V1_ListPayoutsRequest()) == nil)
        #expect(
            violation(
                Lucid_Payment_V1_ListPayoutsRequest.with {
                    $0.pageSize = 100; $0.recipientAddress = Self.address
                }) == nil)
        #expect(violation(Self.batch([Self.item()])) == nil)
        #expect(violation(Lucid_Payment_V1_ResetBreakerRequest()) == nil)
        #expect(violation(Lucid_Payment_V1_GetStatsRequest()) == nil)
    }

    @Test(
        "every kind of rule names the field and says what is wrong",
        arguments: [
            // required string
            (Self.payout { $0.idempotencyKey = "" } as any ConstraintChecked, "idempotency_key", "is required"),
            // max_length
            (
                Self.payout { $0.idempotencyKey = String(repeating: "k", count: 256) }, "idempotency_key",
                "must be at most 255 characters, got 256"
            ),
            // max_length counts code points, not bytes: 256 two-byte characters fit
            (
                Self.payout { $0.reason = String(repeating: "é", count: 257) }, "reason",
                "must be at most 256 characters, got 257"
            ),
            // min_length
            (
                Self.payout { $0.recipientAddress = "T123" }, "recipient_address",
                "must be at least 34 characters, got 4"
            ),
            // pattern
            (
                Self.payout { $0.recipientAddress = "T" + String(repeating: "0", count: 33) }, "recipient_address",
                "must match ^T[1-9A-HJ-NP-Za-km-z]{33}$"
            ),
            (Self.payout { $0.reason = "line\nbreak" }, "reason", "must match ^[^\\u0000-\\u001F\\u007F-\\u009F]*$"),
            (Self.payout { $0.idempotencyKey = "with space" }, "idempotency_key", "must match ^[!-~]+$"),
            // required number, minimum
            (Self.payout { $0.amountUnits = 0 }, "amount_units", "is required"),
            (Self.payout { $0.amountUnits = -5 }, "amount_units", "must be between 1 and 1000000000000000, got -5"),
            (
                Self.payout { $0.amountUnits = .max }, "amount_units",
                "must be between 1 and 1000000000000000, got 9223372036854775807"
            ),
            // maximum and minimum of an int32
            (
                Lucid_Payment_V1_ListPayoutsRequest.with { $0.pageSize = 101 }, "page_size",
                "must be between 0 and 100, got 101"
            ),
            (
                Lucid_Payment_V1_ListPayoutsRequest.with { $0.pageSize = .min }, "page_size",
                "must be between 0 and 100, got -2147483648"
            ),
            // an optional filter's pattern accepts "" but nothing malformed
            (
                Lucid_Payment_V1_ListPayoutsRequest.with { $0.batchID = "bt_x" }, "batch_id",
                "must match ^(bt_[0-9a-f]{32})?$"
            ),
            // required repeated, min_items, max_items
            (Self.batch([]), "items", "is required: give at least one item"),
            (Self.batch(Array(repeating: Self.item(), count: 1001)), "items", "must hold at most 1000 items, got 1001"),
            (
                Lucid_Payment_V1_BatchGetTransactionStatusRequest.with {
                    $0.payoutIds = Array(repeating: Self.payoutID, count: 101)
                },
                "payout_ids", "must hold at most 100 items, got 101"
            ),
            // every item of a repeated string, with its index
            (
                Lucid_Payment_V1_BatchGetTransactionStatusRequest.with { $0.payoutIds = [Self.payoutID, ""] },
                "payout_ids[1]",
                "must be at least 35 characters, got 0"
            ),
            // nested messages, with their paths
            (
                Self.batch([Self.item(), Self.item(), Self.item(), Self.item { $0.recipientAddress = "Tx" }]),
                "items[3].recipient_address", "must be at least 34 characters, got 2"
            ),
            (Self.payout { $0.kyc = .with { $0.nodeID = "node 1" } }, "kyc.node_id", "must match ^[A-Za-z0-9._:-]*$"),
            (
                Self.batch([Self.item { $0.kyc = .with { $0.kycHash = "zz" } }]), "items[0].kyc.kyc_hash",
                "must match ^([0-9A-Fa-f]{64})?$"
            ),
            (Lucid_Payment_V1_TripBreakerRequest(), "reason", "is required"),
        ] as [(any ConstraintChecked, String, String)])
    func rules(request: any ConstraintChecked, field: String, message: String) {
        let found = violation(request)
        #expect(found == FieldConstraintViolation(field: field, message: message), "\(found?.description ?? "passed")")
    }

    /// Text that reaches the ledger must be text PostgreSQL stores: a NUL there was refused by the database (SQLSTATE
    /// 22021) and answered UNAVAILABLE, as if the server were down, instead of INVALID_ARGUMENT naming the field.
    @Test(
        "free text that reaches the ledger or the logs refuses NUL and control characters, naming the field",
        arguments: ["\u{0}", "a\u{0}b", "tab\there", "\u{1B}[31m", "\u{7F}", "\u{85}"])
    func controlCharacters(text: String) {
        let control = "must match ^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
        let cases: [(any ConstraintChecked, String, String)] = [
            (Self.payout { $0.reason = text }, "reason", control),
            (Self.batch([Self.item { $0.reason = text }]), "items[0].reason", control),
            (
                Lucid_Payment_V1_CancelPayoutRequest.with {
                    $0.payoutID = Self.payoutID
                    $0.reason = text
                }, "reason", control
            ),
            (Lucid_Payment_V1_TripBreakerRequest.with { $0.reason = text }, "reason", control),
            (Lucid_Payment_V1_ResetBreakerRequest.with { $0.reason = text }, "reason", control),
            (
                Lucid_Payment_V1_ListPayoutsRequest.with { $0.requestedBy = "ops/\(text)" }, "requested_by",
                "must match ^[!-~]*$"
            ),
        ]
        for (request, field, message) in cases {
            let found = violation(request)
            #expect(
                found == FieldConstraintViolation(field: field, message: message), "\(found?.description ?? "passed")")
        }
        // What is allowed stays allowed: text with accents and an identity like the sidecar's.
        #expect(
            violation(
                Lucid_Payment_V1_CancelPayoutRequest.with {
                    $0.payoutID = Self.payoutID
                    $0.reason = "doublon signalé"
                }) == nil)
        #expect(
            violation(Lucid_Payment_V1_ListPayoutsRequest.with { $0.requestedBy = "ops/api-gateway/user:u-9" }) == nil)
    }

    @Test("lengths and counts of the whole request are checked before any pattern or range")
    func cheapFirst() {
        // A malformed address comes first in field order, an over-long reason later: the length wins.
        let payout = Self.payout {
            $0.recipientAddress = "T" + String(repeating: "0", count: 33)
            $0.reason = String(repeating: "r", count: 300)
        }
        #expect(violation(payout)?.field == "reason")
        // Across items: item 0 breaks a pattern, item 5 a length; the length is found first.
        var items = Array(repeating: Self.item(), count: 6)
        items[0].recipientAddress = "T" + String(repeating: "0", count: 33)
        items[5].reason = String(repeating: "r", count: 257)
        #expect(violation(Self.batch(items))?.field == "items[5].reason")
        // A negative amount (a range) loses to an over-long nested kyc field (a length).
        let mixed = Self.payout {
            $0.amountUnits = -1
            $0.kyc = .with { $0.complianceSignature = String(repeating: "A", count: 89) }
        }
        #expect(violation(mixed)?.field == "kyc.compliance_signature")
    }

    @Test("a megabyte is refused from its size, without scanning it")
    func megabyte() {
        let huge = String(repeating: "z", count: 1 << 20)
        let started = ContinuousClock.now
        for _ in 0..<100 { _ = violation(Self.payout { $0.recipientAddress = huge }) }
        let elapsed = ContinuousClock.now - started
        #expect(
            violation(Self.payout { $0.recipientAddress = huge })
                == FieldConstraintViolation(
                    field: "recipient_address", message: "must be at most 34 characters, got more than 136"))
        #expect(elapsed < .milliseconds(500), "100 refusals of 1 MB took \(elapsed)")
    }

    @Test("every RPC of both services declares its request size; the transport cap is the largest")
    func sizes() {
        let methods =
            Lucid_Payment_V1_PaymentService.Method.descriptors + Lucid_Payment_V1_AdminService.Method.descriptors
        for method in methods {
            #expect(PaymentRequestLimits.maxRequestBytes["/" + method.fullyQualifiedMethod] != nil, "\(method)")
        }
        #expect(PaymentRequestLimits.largestRequestBytes == PaymentRequestLimits.maxRequestBytes.values.max())
        #expect(PaymentRequestLimits.maxRequestBytes["/lucid.payment.v1.PaymentService/CreatePayout"] == 4096)
    }

    @Test(
        "the interceptor refuses before the handler: INVALID_ARGUMENT with x-lucid-error-field; size caps unknown bulk")
    func interceptor() async throws {
        try await InProcessServer.with { server in
            let long = await rpcError {
                try await server.payments.createPayout(
                    Self.payout { $0.reason = String(repeating: "r", count: 100_000) })
            }
            #expect(long?.code == .invalidArgument)
            #expect(long?.message == "reason: must be at most 256 characters, got more than 1024")
            #expect(long?.metadata[stringValues: "x-lucid-error-field"].first(where: { _ in true }) == "reason")

            let admin = await rpcError {
                try await server.admin.tripBreaker(.with { $0.reason = String(repeating: "x", count: 257) })
            }
            #expect(admin?.code == .invalidArgument && admin?.message.hasPrefix("reason: ") == true)

            // Every field valid, but 16 KB of an unknown field: over GetPayout's 256 bytes.
            let valid: [UInt8] = try Lucid_Payment_V1_GetPayoutRequest.with { $0.payoutID = Self.payoutID }
                .serializedBytes()
            let request = try Lucid_Payment_V1_GetPayoutRequest(
                serializedBytes: valid + [0x9a, 0x06, 0x80, 0x80, 0x01] + [UInt8](repeating: 0x78, count: 16384))
            let bulky = await rpcError { try await server.payments.getPayout(request) }
            #expect(bulky?.code == .invalidArgument)
            #expect(bulky?.message.contains("GetPayout accepts at most 256") == true, "\(bulky?.message ?? "")")

            // The health service is not checked and still answers.
            let health = try await server.health.check(.init())
            #expect(health.status == .serving)
        }
    }
}
