import Foundation
import GRPCCore
import PaymentAPI
import PaymentCore
import Testing

@Suite("PaymentService over gRPC (in-process)")
struct PaymentServiceTests {
    @Test("CreatePayout: created, replayed, conflicting key, and requested_by from the sidecar's metadata")
    func createAndIdempotency() async throws {
        try await InProcessServer.with { server in
            let request = InProcessServer.createRequest(key: "order-1")
            let first = try await server.payments.createPayout(request, metadata: InProcessServer.caller(user: "u-9"))
            #expect(!first.replayed)
            #expect(first.payout.status == .pending)
            #expect(first.payout.router == .v0)
            #expect(first.payout.requestedBy == "ops/api-gateway/user:u-9")
            #expect(first.payout.amountUnits == 5_000_000)
            let again = try await server.payments.createPayout(request, metadata: InProcessServer.caller(user: "u-9"))
            #expect(again.replayed)
            #expect(again.payout == first.payout)
            var changed = request
            changed.amountUnits += 1
            let conflict = await rpcError {
                try await server.payments.createPayout(changed, metadata: InProcessServer.caller(user: "u-9"))
            }
            #expect(conflict?.code == .failedPrecondition)
            #expect(conflict?.message.contains("already used for a different request") == true)
        }
    }

    @Test(
        "CreatePayout refusals carry the right code and name the field or limit",
        arguments: [
            ("missing key", InProcessServer.createRequest(key: ""), RPCError.Code.invalidArgument, "idempotency_key"),
            (
                "bad checksum",
                InProcessServer.createRequest(key: "a", recipient: "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u"),
                .invalidArgument, "recipient_address"
            ),
            ("zero amount", InProcessServer.createRequest(key: "b", amount: 0), .invalidArgument, "amount_units"),
            (
                "over V0 max", InProcessServer.createRequest(key: "c", amount: 100_000_001), .invalidArgument,
                "amount_units"
            ),
            (
                "direct not allowed", InProcessServer.createRequest(key: "d", router: .direct), .invalidArgument,
                "recipient_address"
            ),
            (
                "unknown router", InProcessServer.createRequest(key: "e", router: .UNRECOGNIZED(9)), .invalidArgument,
                "router"
            ),
            ("KYC without attestation", InProcessServer.createRequest(key: "f", router: .kyc), .invalidArgument, "kyc"),
        ])
    func createRefusals(name: String, request: Lucid_Payment_V1_CreatePayoutRequest, code: RPCError.Code, field: String)
        async throws
    {
        try await InProcessServer.with { server in
            let error = await rpcError { try await server.payments.createPayout(request) }
            #expect(error?.code == code, "\(name)")
            #expect(error?.message.hasPrefix("\(field): ") == true, "\(error?.message ?? "")")
            #expect(error?.metadata[stringValues: "x-lucid-error-field"].first(where: { _ in true }) == field)
            let listed = try await server.payments.listPayouts(.init())
            #expect(listed.payouts.isEmpty, "a refused payout leaves nothing")
        }
    }

    @Test("limits: RESOURCE_EXHAUSTED naming the hourly limit; cancelling frees room")
    func limits() async throws {
        try await InProcessServer.with { server in
            var ids: [String] = []
            for index in 0..<10 {
                ids.append(
                    try await server.payments.createPayout(
                        InProcessServer.createRequest(key: "l-\(index)", amount: 100_000_000)
                    ).payout.payoutID)
            }
            let error = await rpcError {
                try await server.payments.createPayout(InProcessServer.createRequest(key: "l-10", amount: 1))
            }
            #expect(error?.code == .resourceExhausted)
            #expect(error?.message.hasPrefix("hourly limit") == true)
            #expect(error?.metadata[stringValues: "x-lucid-error-limit"].first(where: { _ in true }) == "hourly")
            _ = try await server.payments.cancelPayout(.with { $0.payoutID = ids[0] })
            _ = try await server.payments.createPayout(InProcessServer.createRequest(key: "l-10", amount: 1))
            let stats = try await server.payments.getStats(.init())
            #expect(stats.hourlyUsageUnits == 900_000_001)
            #expect(stats.hourlyLimitUnits == 1_000_000_000)
            #expect(stats.dailyUsageUnits == 900_000_001)
            #expect(stats.counts.first { $0.status == .cancelled }?.count == 1)
            #expect(stats.counts.first { $0.status == .pending }?.count == 10)
            #expect(stats.counts.count == 7)
            #expect(stats.breakerState == .closed)
            #expect(stats.successRate == 1)
        }
    }

    @Test("KYC and DIRECT payouts are accepted with their proofs")
    func routers() async throws {
        try await InProcessServer.with { server in
            var kycRequest = InProcessServer.createRequest(key: "kyc-1", amount: 700_000_000)
            kycRequest.kyc = InProcessServer.kyc(key: "kyc-1", amount: 700_000_000)
            let kyc = try await server.payments.createPayout(kycRequest)
            #expect(kyc.payout.router == .kyc)
            #expect(kyc.payout.nodeID == "node-1")
            var forged = InProcessServer.createRequest(key: "kyc-2", amount: 700_000_000)
            forged.kyc = InProcessServer.kyc(key: "kyc-1", amount: 700_000_000)
            let error = await rpcError { try await server.payments.createPayout(forged) }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.hasPrefix("kyc.compliance_signature") == true)
            let direct = try await server.payments.createPayout(
                InProcessServer.createRequest(
                    key: "dir-1", amount: 200_000_000, recipient: InProcessServer.trusted, router: .direct))
            #expect(direct.payout.router == .direct)
        }
    }

    @Test("GetPayout, GetTransactionStatus and BatchGetTransactionStatus, with NOT_FOUND and INVALID_ARGUMENT")
    func reads() async throws {
        try await InProcessServer.with { server in
            let payout = try await server.payments.createPayout(InProcessServer.createRequest(key: "r-1")).payout
            #expect(try await server.payments.getPayout(.with { $0.payoutID = payout.payoutID }) == payout)
            let unknown = "po_" + String(repeating: "0", count: 32)
            #expect(
                await rpcError { try await server.payments.getPayout(.with { $0.payoutID = unknown }) }?.code
                    == .notFound)
            #expect(
                await rpcError { try await server.payments.getPayout(.with { $0.payoutID = "42" }) }?.code
                    == .invalidArgument)
            let status = try await server.payments.getTransactionStatus(.with { $0.payoutID = payout.payoutID })
            #expect(status.status == .pending && status.txid.isEmpty && status.requiredConfirmations == 19)
            #expect(status.confirmations == 0 && status.estimatedConfirmationSeconds == 57)
            #expect(
                await rpcError { try await server.payments.getTransactionStatus(.with { $0.payoutID = unknown }) }?.code
                    == .notFound)
            let bulk = try await server.payments.batchGetTransactionStatus(
                .with { $0.payoutIds = [payout.payoutID, unknown] })
            #expect(bulk.statuses.map(\.payoutID) == [payout.payoutID])
            #expect(bulk.notFoundIds == [unknown])
            let tooMany = await rpcError {
                try await server.payments.batchGetTransactionStatus(
                    .with { $0.payoutIds = Array(repeating: unknown, count: 101) })
            }
            #expect(tooMany?.code == .invalidArgument)
            #expect(
                await rpcError { try await server.payments.batchGetTransactionStatus(.init()) }?.code
                    == .invalidArgument)
        }
    }

    @Test("ListPayouts pages with opaque tokens; bad sizes and tokens are refused")
    func listing() async throws {
        try await InProcessServer.with { server in
            for index in 0..<45 {
                _ = try await server.payments.createPayout(
                    InProcessServer.createRequest(key: "p-\(index)", amount: 1_000))
            }
            var seen: [String] = []
            var token = ""
            var pages = 0
            repeat {
                let page = try await server.payments.listPayouts(.with { $0.pageToken = token })
                seen += page.payouts.map(\.idempotencyKey)
                token = page.nextPageToken
                pages += 1
            } while !token.isEmpty
            #expect(pages == 3, "default page size 20")
            #expect(seen == (0..<45).reversed().map { "p-\($0)" })
            #expect(
                await rpcError { try await server.payments.listPayouts(.with { $0.pageSize = 101 }) }?.code
                    == .invalidArgument)
            #expect(
                await rpcError { try await server.payments.listPayouts(.with { $0.pageSize = -1 }) }?.code
                    == .invalidArgument)
            #expect(
                await rpcError { try await server.payments.listPayouts(.with { $0.pageToken = "garbage!" }) }?.code
                    == .invalidArgument)
            let first = try await server.payments.listPayouts(.with { $0.pageSize = 5 })
            let mixed = await rpcError {
                try await server.payments.listPayouts(
                    .with {
                        $0.pageToken = first.nextPageToken
                        $0.status = .cancelled
                    })
            }
            #expect(mixed?.code == .notFound, "a well-formed token that names no page of this listing")
            #expect(mixed?.message.contains("other filters") == true)
            let filtered = try await server.payments.listPayouts(
                .with {
                    $0.requestedBy = "anonymous"
                    $0.status = .pending
                    $0.pageSize = 100
                })
            #expect(filtered.payouts.count == 45)
        }
    }

    @Test("CreateBatch: scheduled by type, atomic on a bad item, idempotent; GetBatch aggregates")
    func batches() async throws {
        try await InProcessServer.with { server in
            func item(_ amount: Int64, _ recipient: String = InProcessServer.recipient) -> Lucid_Payment_V1_BatchItem {
                .with {
                    $0.recipientAddress = recipient
                    $0.amountUnits = amount
                    $0.reason = "weekly payout"
                }
            }
            let bad = Lucid_Payment_V1_CreateBatchRequest.with {
                $0.idempotencyKey = "b-1"
                $0.batchType = .hourly
                $0.items = [item(1), item(2), item(3, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u"), item(4)]
            }
            let error = await rpcError { try await server.payments.createBatch(bad) }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.hasPrefix("items[2].recipient_address:") == true, "\(error?.message ?? "")")
            #expect(try await server.payments.listPayouts(.init()).payouts.isEmpty)

            var good = bad
            good.items[2] = item(3)
            let created = try await server.payments.createBatch(good)
            #expect(!created.replayed)
            #expect(created.batch.itemCount == 4 && created.batch.totalAmountUnits == 10)
            #expect(
                created.batch.scheduledFor.seconds
                    == Int64(ISO8601DateFormatter().date(from: "2026-11-22T11:00:00Z")!.timeIntervalSince1970))
            #expect(created.payouts.map(\.status) == Array(repeating: .scheduled, count: 4))
            #expect(created.batch.statusCounts.scheduled == 4)
            #expect(created.payouts.map(\.idempotencyKey) == ["b-1/0", "b-1/1", "b-1/2", "b-1/3"])
            let replay = try await server.payments.createBatch(good)
            #expect(replay.replayed && replay.batch.batchID == created.batch.batchID)

            _ = try await server.payments.cancelPayout(
                .with {
                    $0.payoutID = created.payouts[1].payoutID
                    $0.reason = "duplicate"
                })
            server.clock.advance(by: 45 * 60)  // 11:00: the batch is due
            let fetched = try await server.payments.getBatch(.with { $0.batchID = created.batch.batchID })
            #expect(fetched.batch.statusCounts.pending == 3)
            #expect(fetched.batch.statusCounts.cancelled == 1)
            #expect(fetched.payouts.count == 4)
            #expect(fetched.payouts[1].failureReason == "cancelled: duplicate")
            let unknownBatch = "bt_" + String(repeating: "1", count: 32)
            #expect(
                await rpcError { try await server.payments.getBatch(.with { $0.batchID = unknownBatch }) }?.code
                    == .notFound)

            let huge = Lucid_Payment_V1_CreateBatchRequest.with {
                $0.idempotencyKey = "b-2"
                $0.items = Array(repeating: item(1), count: 1_001)
            }
            #expect(await rpcError { try await server.payments.createBatch(huge) }?.code == .invalidArgument)
            #expect(
                await rpcError { try await server.payments.createBatch(.with { $0.idempotencyKey = "b-3" }) }?.code
                    == .invalidArgument)
        }
    }

    @Test("CancelPayout: NOT_FOUND for unknown ids; cancelling twice returns the cancelled payout")
    func cancel() async throws {
        try await InProcessServer.with { server in
            let payout = try await server.payments.createPayout(InProcessServer.createRequest(key: "c-1")).payout
            let cancelled = try await server.payments.cancelPayout(.with { $0.payoutID = payout.payoutID })
            #expect(cancelled.status == .cancelled)
            #expect(try await server.payments.cancelPayout(.with { $0.payoutID = payout.payoutID }) == cancelled)
            let unknown = "po_" + String(repeating: "f", count: 32)
            #expect(
                await rpcError { try await server.payments.cancelPayout(.with { $0.payoutID = unknown }) }?.code
                    == .notFound)
        }
    }

    @Test("the breaker: tripped by an admin, creates answer UNAVAILABLE; reset lets them through; the trip persists")
    func breaker() async throws {
        try await InProcessServer.with { server in
            let tripped = try await server.admin.tripBreaker(.with { $0.reason = "node misbehaving" })
            #expect(tripped.state == .open && tripped.manual && tripped.reason == "node misbehaving")
            let error = await rpcError {
                try await server.payments.createPayout(InProcessServer.createRequest(key: "x"))
            }
            #expect(error?.code == .unavailable)
            #expect(error?.message.contains("circuit breaker is open") == true)
            #expect(try await server.payments.getStats(.init()).breakerState == .open)
            #expect(try await server.ledger.loadBreaker()?.state == .open)
            server.clock.advance(by: 86_400)
            #expect(try await server.admin.getBreaker(.init()).state == .open, "manual trips survive midnight")
            #expect(await rpcError { try await server.admin.tripBreaker(.init()) }?.code == .invalidArgument)
            let reset = try await server.admin.resetBreaker(.with { $0.reason = "fixed" })
            #expect(reset.state == .closed && reset.tripThresholdPercent == 50)
            _ = try await server.payments.createPayout(InProcessServer.createRequest(key: "x"))
        }
    }

    @Test("grpc.health.v1.Health answers SERVING for the server and its services, NOT_FOUND for others")
    func health() async throws {
        try await InProcessServer.with { server in
            let overall = try await server.health.check(.init())
            #expect(overall.status == .serving)
            let named = try await server.health.check(.with { $0.service = "lucid.payment.v1.PaymentService" })
            #expect(named.status == .serving)
            #expect(await rpcError { try await server.health.check(.with { $0.service = "nope" }) }?.code == .notFound)
        }
    }
}
