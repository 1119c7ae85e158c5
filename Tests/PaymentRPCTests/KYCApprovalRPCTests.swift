import Foundation
import GRPCCore
import PaymentAPI
import PaymentCore
import Testing

@testable import PaymentRPC

@Suite("KYC approvals over gRPC: one approval, one payout")
struct KYCApprovalRPCTests {
    static func kycRequest(key: String, amount: Int64 = 700_000_000) -> Lucid_Payment_V1_CreatePayoutRequest {
        var request = InProcessServer.createRequest(key: key, amount: amount)
        request.kyc = InProcessServer.kyc(key: key, amount: amount)
        return request
    }

    static func item(_ kyc: Lucid_Payment_V1_KycAttestation?, amount: Int64 = 700_000_000) -> Lucid_Payment_V1_BatchItem
    {
        .with {
            $0.recipientAddress = InProcessServer.recipient
            $0.amountUnits = amount
            $0.reason = "node reward"
            if let kyc { $0.kyc = kyc }
        }
    }

    @Test("three callers, one approval: one payout; the first caller's replay is replayed")
    func threeCallers() async throws {
        try await InProcessServer.with { server in
            let request = Self.kycRequest(key: "kyc-1")
            let first = try await server.payments.createPayout(request, metadata: InProcessServer.caller("gw-a"))
            #expect(!first.replayed && first.payout.router == .kyc)
            let replay = try await server.payments.createPayout(request, metadata: InProcessServer.caller("gw-a"))
            #expect(replay.replayed && replay.payout == first.payout)
            for caller in [InProcessServer.caller("gw-b"), InProcessServer.caller("gw-a", user: "u-1"), [:]] {
                let error = await rpcError { try await server.payments.createPayout(request, metadata: caller) }
                #expect(error?.code == .failedPrecondition)
                #expect(
                    error?.message
                        == "kyc: this KYC approval was already used by payout \(first.payout.payoutID); an approval pays one payout only"
                )
            }
            #expect(try await server.payments.listPayouts(.init()).payouts.count == 1)
        }
    }

    @Test("a batch item's approval is refused as a single payout K/i, and a single one as a batch item")
    func acrossForms() async throws {
        try await InProcessServer.with { server in
            let itemKYC = InProcessServer.kyc(
                key: "K", amount: 700_000_000, domain: .batchItem(batchIdempotencyKey: "K", index: 0))
            var single = InProcessServer.createRequest(key: "K/0", amount: 700_000_000)
            single.kyc = itemKYC
            let error = await rpcError { try await server.payments.createPayout(single) }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.hasPrefix("kyc.compliance_signature") == true)

            let singleKYC = InProcessServer.kyc(key: "K/0", amount: 700_000_000)
            let asItem = await rpcError {
                try await server.payments.createBatch(
                    .with {
                        $0.idempotencyKey = "K"
                        $0.items = [Self.item(singleKYC)]
                    })
            }
            #expect(asItem?.code == .invalidArgument)
            #expect(asItem?.message.hasPrefix("items[0].kyc.compliance_signature") == true)

            let batch = try await server.payments.createBatch(
                .with {
                    $0.idempotencyKey = "K"
                    $0.items = [Self.item(itemKYC)]
                })
            #expect(batch.payouts.first?.router == .kyc)
            let other = await rpcError {
                try await server.payments.createBatch(
                    .with {
                        $0.idempotencyKey = "K"
                        $0.items = [Self.item(itemKYC)]
                    }, metadata: InProcessServer.caller("another"))
            }
            #expect(other?.code == .failedPrecondition)
            #expect(
                other?.message.contains(
                    "items[0].kyc: this KYC approval was already used by payout \(batch.payouts[0].payoutID)") == true)
            #expect(try await server.payments.listPayouts(.init()).payouts.count == 1)
        }
    }

    @Test(
        "an expired approval is FAILED_PRECONDITION; one beyond 30 days is INVALID_ARGUMENT; a replay after expiry works"
    )
    func expiry() async throws {
        try await InProcessServer.with { server in
            let request = Self.kycRequest(key: "e-1")
            let created = try await server.payments.createPayout(request)
            server.clock.advance(by: 86_400 + 1)
            let replay = try await server.payments.createPayout(request)
            #expect(replay.replayed && replay.payout.payoutID == created.payout.payoutID)
            let late = await rpcError { try await server.payments.createPayout(Self.kycRequest(key: "e-2")) }
            #expect(late?.code == .failedPrecondition)
            #expect(
                late?.message.hasPrefix("kyc.not_after_unix_seconds: the KYC approval expired") == true,
                "\(late?.message ?? "")")

            var far = InProcessServer.createRequest(key: "e-3", amount: 700_000_000)
            far.kyc = InProcessServer.kyc(
                key: "e-3", amount: 700_000_000, notAfter: Int64(server.clock.now().timeIntervalSince1970) + 31 * 86_400
            )
            let tooFar = await rpcError { try await server.payments.createPayout(far) }
            #expect(tooFar?.code == .invalidArgument)
            #expect(tooFar?.message.hasPrefix("kyc.not_after_unix_seconds") == true)
            var none = InProcessServer.createRequest(key: "e-4", amount: 700_000_000)
            none.kyc = InProcessServer.kyc(key: "e-4", amount: 700_000_000)
            none.kyc.notAfterUnixSeconds = 0
            #expect(await rpcError { try await server.payments.createPayout(none) }?.code == .invalidArgument)
            #expect(try await server.payments.listPayouts(.init()).payouts.count == 1)
        }
    }

    @Test("limits configured near Int64.max: an amount past the API's cap is INVALID_ARGUMENT before any sum")
    func overflow() async throws {
        // The API caps amount_units (1,000,000,000 USDT), so no request can bring a limit sum near Int64.max; the
        // sums themselves are checked too (LimitsOverflowTests, KYCApprovalLedgerTests).
        var config = InProcessServer.config
        config.limits = LimitPolicy(dailyUnits: .max, hourlyUnits: .max - 1)
        config.maxPerPayout = [.v0: .max - 1, .kyc: .max - 1, .direct: .max - 1]
        try await InProcessServer.with(config: config) { server in
            _ = try await server.payments.createPayout(
                InProcessServer.createRequest(key: "o-1", amount: 1_000_000_000_000_000))
            let single = await rpcError {
                try await server.payments.createPayout(InProcessServer.createRequest(key: "o-2", amount: .max - 10))
            }
            #expect(single?.code == .invalidArgument)
            #expect(single?.message.hasPrefix("amount_units") == true)
            let batch = await rpcError {
                try await server.payments.createBatch(
                    .with {
                        $0.idempotencyKey = "o-3"
                        $0.items = [Self.item(nil, amount: .max - 1), Self.item(nil, amount: .max - 1)]
                    })
            }
            #expect(batch?.code == .invalidArgument)
            let stats = try await server.payments.getStats(.init())
            #expect(stats.hourlyUsageUnits == 1_000_000_000_000_000)
        }
    }
}
