import Foundation
import GRPCCore
import Logging
import PaymentAPI
import PaymentCore
import PaymentStore

/// lucid.payment.v1.PaymentService over the payout desk.
public struct PaymentService: Lucid_Payment_V1_PaymentService.ServiceProtocol {
    /// Blocks to solidity on TRON.
    public static let requiredConfirmations: Int64 = 19
    static let defaultPageSize = 20

    let desk: PayoutDesk
    let chainHead: ChainHead
    let metrics: PaymentMetrics
    let logger: Logger
    /// What the processor holds back for the outflow windows (GetStats).
    let outflow: OutflowWaiting
    /// What the processor holds back for want of TRX to pay fees (GetStats).
    let fees: FeeWaiting

    /// The service `PaymentServer.services` registers. `chainHead` and `outflow` are the processor's (shared, read
    /// only here); without a processor they stay empty, so confirmations and outflow waits are not reported.
    public init(
        desk: PayoutDesk, chainHead: ChainHead, metrics: PaymentMetrics, outflow: OutflowWaiting = OutflowWaiting(),
        fees: FeeWaiting = FeeWaiting(),
        logger: Logger
    ) {
        self.outflow = outflow
        self.fees = fees
        self.desk = desk
        self.chainHead = chainHead
        self.metrics = metrics
        self.logger = logger
    }

    /// CreatePayout: reads the caller from metadata, validates and stores one payout through the desk, and counts it
    /// (`tron_payment_requests_total` by outcome, and the accepted amount unless replayed). Throws the desk's
    /// refusals as their gRPC codes (INVALID_ARGUMENT; FAILED_PRECONDITION for a key reused with another request or
    /// a used or expired KYC approval; RESOURCE_EXHAUSTED for a limit; UNAVAILABLE while the breaker is open or the
    /// ledger fails).
    public func createPayout(
        request: ServerRequest<Lucid_Payment_V1_CreatePayoutRequest>, context: ServerContext
    ) async throws -> ServerResponse<Lucid_Payment_V1_CreatePayoutResponse> {
        let started = ContinuousClock.now
        let message = request.message
        do {
            let outcome = try await rpcErrors {
                let caller = try CallerIdentity(metadata: request.metadata)
                let draft = try PayoutDraft(proto: message)
                let priority = try optionalEnum(message.priority, field: "priority", Priority.init(proto:))
                return try await desk.createPayout(
                    draft, priority: priority, idempotencyKey: message.idempotencyKey, caller: caller)
            }
            let payout = outcome.value
            metrics.recordRequest(
                router: payout.router, priority: payout.priority, outcome: outcome.isReplay ? "replayed" : "accepted")
            if !outcome.isReplay {
                metrics.recordAcceptedAmount(units: payout.amountUnits)
                logger.info(
                    "payout accepted",
                    metadata: [
                        "payout_id": "\(payout.id)", "router": "\(payout.router.rawValue)",
                        "amount_units": "\(payout.amountUnits)", "requested_by": "\(payout.requestedBy)",
                        "request_id":
                            "\(request.metadata[stringValues: LucidMetadata.requestID].first(where: { _ in true }) ?? "")",
                    ])
            }
            metrics.recordProcessing(duration: ContinuousClock.now - started)
            return ServerResponse(
                message: .with {
                    $0.payout = Lucid_Payment_V1_Payout(payout, now: desk.clock.now())
                    $0.replayed = outcome.isReplay
                })
        } catch let error as RPCError {
            metrics.recordRequest(
                router: nil, priority: Priority(proto: message.priority), outcome: Self.outcomeLabel(error.code))
            throw error
        }
    }

    /// GetPayout: one payout by id; INVALID_ARGUMENT for a malformed id, NOT_FOUND for an unknown one.
    public func getPayout(
        request: ServerRequest<Lucid_Payment_V1_GetPayoutRequest>, context: ServerContext
    ) async throws -> ServerResponse<Lucid_Payment_V1_Payout> {
        let payout = try await rpcErrors { try await desk.payout(id: request.message.payoutID) }
        return ServerResponse(message: Lucid_Payment_V1_Payout(payout, now: desk.clock.now()))
    }

    /// ListPayouts: a page of payouts matching every filter given, newest first. `page_size` 0 means 20, otherwise
    /// 1...100 (INVALID_ARGUMENT); a `page_token` not minted for these filters is NOT_FOUND (`PageToken`).
    public func listPayouts(
        request: ServerRequest<Lucid_Payment_V1_ListPayoutsRequest>, context: ServerContext
    ) async throws -> ServerResponse<Lucid_Payment_V1_ListPayoutsResponse> {
        let message = request.message
        let response = try await rpcErrors {
            let filter = try PayoutFilter(proto: message)
            let pageSize = Int(message.pageSize == 0 ? Int32(Self.defaultPageSize) : message.pageSize)
            guard (1...100).contains(pageSize) else {
                throw PaymentError.invalid("page_size", "must be between 1 and 100, got \(message.pageSize)")
            }
            let cursor = message.pageToken.isEmpty ? nil : try PageToken.decode(message.pageToken, filter: filter)
            let now = desk.clock.now()
            let page = try await desk.ledger.listPayouts(filter, limit: pageSize, after: cursor, now: now)
            return Lucid_Payment_V1_ListPayoutsResponse.with {
                $0.payouts = page.payouts.map { Lucid_Payment_V1_Payout($0, now: now) }
                $0.nextPageToken = page.next.map { PageToken.encode($0, filter: filter) } ?? ""
            }
        }
        return ServerResponse(message: response)
    }

    /// CancelPayout: cancels a PENDING or SCHEDULED payout and gives its amount back to the limit windows it was
    /// accepted in; any other status is FAILED_PRECONDITION, and cancelling a cancelled payout returns it unchanged.
    public func cancelPayout(
        request: ServerRequest<Lucid_Payment_V1_CancelPayoutRequest>, context: ServerContext
    ) async throws -> ServerResponse<Lucid_Payment_V1_Payout> {
        let payout = try await rpcErrors {
            try await desk.cancelPayout(id: request.message.payoutID, reason: request.message.reason)
        }
        logger.info("payout cancelled", metadata: ["payout_id": "\(payout.id)"])
        return ServerResponse(message: Lucid_Payment_V1_Payout(payout, now: desk.clock.now()))
    }

    /// CreateBatch: validates every item (an error names `items[i]`) and stores the batch and all its payouts
    /// atomically, or nothing; same idempotency, limit and breaker refusals as CreatePayout.
    public func createBatch(
        request: ServerRequest<Lucid_Payment_V1_CreateBatchRequest>, context: ServerContext
    ) async throws -> ServerResponse<Lucid_Payment_V1_CreateBatchResponse> {
        let message = request.message
        let outcome = try await rpcErrors {
            let caller = try CallerIdentity(metadata: request.metadata)
            let items = try message.items.enumerated().map { index, item throws(PaymentError) in
                try PayoutDraft(proto: item, index: index)
            }
            let batchType = try optionalEnum(message.batchType, field: "batch_type", Priority.init(proto:))
            return try await desk.createBatch(
                items, batchType: batchType, idempotencyKey: message.idempotencyKey, caller: caller)
        }
        let stored = outcome.value
        if !outcome.isReplay {
            metrics.recordAcceptedAmount(units: stored.batch.totalUnits)
            logger.info(
                "batch accepted",
                metadata: ["batch_id": "\(stored.batch.id)", "items": "\(stored.batch.itemCount)"])
        }
        let now = desk.clock.now()
        return ServerResponse(
            message: .with {
                $0.batch = Lucid_Payment_V1_Batch(stored, now: now)
                $0.payouts = stored.payouts.map { Lucid_Payment_V1_Payout($0, now: now) }
                $0.replayed = outcome.isReplay
            })
    }

    /// GetBatch: one batch with its payouts; NOT_FOUND for an unknown id.
    public func getBatch(
        request: ServerRequest<Lucid_Payment_V1_GetBatchRequest>, context: ServerContext
    ) async throws -> ServerResponse<Lucid_Payment_V1_GetBatchResponse> {
        let stored = try await rpcErrors { try await desk.batch(id: request.message.batchID) }
        let now = desk.clock.now()
        return ServerResponse(
            message: .with {
                $0.batch = Lucid_Payment_V1_Batch(stored, now: now)
                $0.payouts = stored.payouts.map { Lucid_Payment_V1_Payout($0, now: now) }
            })
    }

    /// GetTransactionStatus: a payout's txid, block, receipt figures and confirmations (counted against the last
    /// head the processor saw, 0 before it has seen one), with an estimate of the seconds left to solidity.
    public func getTransactionStatus(
        request: ServerRequest<Lucid_Payment_V1_GetTransactionStatusRequest>, context: ServerContext
    ) async throws -> ServerResponse<Lucid_Payment_V1_TransactionStatus> {
        let payout = try await rpcErrors { try await desk.payout(id: request.message.payoutID) }
        return ServerResponse(
            message: Lucid_Payment_V1_TransactionStatus(
                payout, now: desk.clock.now(), head: chainHead.head?.number,
                requiredConfirmations: Self.requiredConfirmations))
    }

    /// BatchGetTransactionStatus: the status of 1...100 payouts in request order; unknown ids are listed in
    /// `not_found_ids` rather than failing the call, a malformed one is INVALID_ARGUMENT naming `payout_ids[i]`.
    public func batchGetTransactionStatus(
        request: ServerRequest<Lucid_Payment_V1_BatchGetTransactionStatusRequest>, context: ServerContext
    ) async throws -> ServerResponse<Lucid_Payment_V1_BatchGetTransactionStatusResponse> {
        let ids = request.message.payoutIds
        let response = try await rpcErrors {
            guard !ids.isEmpty else { throw PaymentError.invalid("payout_ids", "must hold at least one id") }
            guard ids.count <= 100 else {
                throw PaymentError.invalid("payout_ids", "holds \(ids.count) ids, at most 100 are allowed")
            }
            for (index, id) in ids.enumerated() {
                try Identifier.validatePayoutID(id, field: "payout_ids[\(index)]")
            }
            let found = Dictionary(
                try await desk.ledger.payouts(ids: ids).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            let now = desk.clock.now()
            return Lucid_Payment_V1_BatchGetTransactionStatusResponse.with { response in
                for id in ids {
                    if let payout = found[id] {
                        response.statuses.append(
                            Lucid_Payment_V1_TransactionStatus(
                                payout, now: now, head: chainHead.head?.number,
                                requiredConfirmations: Self.requiredConfirmations))
                    } else {
                        response.notFoundIds.append(id)
                    }
                }
            }
        }
        return ServerResponse(message: response)
    }

    /// GetStats: payout counts per status, the limit windows' usage (accepted and not cancelled, by acceptance
    /// time), the signed outflow (by signing time), the breaker state, the success rate (confirmed / (confirmed +
    /// failed), 1 with neither) and what waits for the outflow window. Amounts are USDT base units.
    public func getStats(
        request: ServerRequest<Lucid_Payment_V1_GetStatsRequest>, context: ServerContext
    ) async throws -> ServerResponse<Lucid_Payment_V1_Stats> {
        let now = desk.clock.now()
        let stats = try await rpcErrors { try await desk.ledger.stats(at: now) }
        let signed = try await rpcErrors {
            try await (desk.ledger as? any ProcessingLedger)?.signedOutflow(
                hourStart: UTCWindow.hourStart(now), dayStart: UTCWindow.dayStart(now))
        }
        let confirmed = stats.countsByStatus[.confirmed] ?? 0
        let failed = stats.countsByStatus[.failed] ?? 0
        return ServerResponse(
            message: .with {
                $0.counts = PayoutStatus.allCases.map { status in
                    .with {
                        $0.status = status.proto
                        $0.count = stats.countsByStatus[status] ?? 0
                    }
                }
                $0.dailyUsageUnits = stats.usage.dayUnits
                $0.dailyLimitUnits = desk.limits.dailyUnits
                $0.hourlyUsageUnits = stats.usage.hourUnits
                $0.hourlyLimitUnits = desk.limits.hourlyUnits
                $0.breakerState = desk.breaker.current().state.proto
                $0.successRate = confirmed + failed == 0 ? 1 : Double(confirmed) / Double(confirmed + failed)
                if let waiting = outflow.current {
                    $0.outflowWaitingCount = Int64(waiting.count)
                    $0.outflowWaitingReason = waiting.description
                }
                if let waiting = fees.current {
                    $0.feeWaitingCount = Int64(waiting.count)
                    $0.feeWaitingReason = waiting.reason
                }
                $0.hourlySignedUnits = signed?.hourUnits ?? 0
                $0.dailySignedUnits = signed?.dayUnits ?? 0
            })
    }

    static func outcomeLabel(_ code: RPCError.Code) -> String {
        switch code {
        case .invalidArgument: "invalid"
        case .resourceExhausted: "limit_exceeded"
        case .unavailable: "unavailable"
        case .failedPrecondition: "conflict"
        default: "error"
        }
    }
}

extension PayoutFilter {
    init(proto: Lucid_Payment_V1_ListPayoutsRequest) throws(PaymentError) {
        self.init()
        status = try optionalEnum(proto.status, field: "status", PayoutStatus.init(proto:))
        router = try optionalEnum(proto.router, field: "router", Router.init(proto:))
        if !proto.recipientAddress.isEmpty { recipient = proto.recipientAddress }
        if !proto.batchID.isEmpty {
            try Identifier.validateBatchID(proto.batchID)
            batchID = proto.batchID
        }
        if !proto.requestedBy.isEmpty { requestedBy = proto.requestedBy }
        if proto.hasCreatedAfter { createdFrom = proto.createdAfter.date }
        // An empty or inverted time range is not an error: it matches nothing, as the filters' AND says (and as
        // the OpenAPI document, which cannot relate two fields, allows).
        if proto.hasCreatedBefore { createdBefore = proto.createdBefore.date }
    }
}
