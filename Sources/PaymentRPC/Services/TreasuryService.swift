import Foundation
import GRPCCore
import Logging
import PaymentAPI
import PaymentCore
import PaymentStore
import SwiftProtobuf
import TronKit
import TronNode

/// lucid.payment.v1.TreasuryService over the treasury desk. Every call is authorized here
/// (`treasury.allowed_callers`), whatever the sidecar's ACL says.
public struct TreasuryService: Lucid_Payment_V1_TreasuryService.ServiceProtocol {
    let configuredDesk: TreasuryDesk?
    let authorization: AdminAuthorization

    /// The service over `desk` (nil without a hot-wallet key: every call is then FAILED_PRECONDITION naming
    /// `wallet.key_file`); `authorization` is `AdminAuthorization.treasury(config:)`.
    public init(desk: TreasuryDesk?, authorization: AdminAuthorization) {
        self.configuredDesk = desk
        self.authorization = authorization
    }

    /// The desk, or the refusal of a server without a hot-wallet key.
    var desk: TreasuryDesk {
        get throws(RPCError) {
            guard let configuredDesk else {
                throw RPCError(
                    PaymentError(
                        .failedPrecondition,
                        "TreasuryService needs the hot wallet: set wallet.key_file (payment-rpc has no key)"))
            }
            return configuredDesk
        }
    }

    /// GetHotWallet: balances, resources, stake, delegations and coverage, read from the node now (UNAVAILABLE when
    /// it does not answer usably).
    public func getHotWallet(
        request: ServerRequest<Lucid_Payment_V1_GetHotWalletRequest>, context: ServerContext
    ) async throws -> ServerResponse<Lucid_Payment_V1_HotWallet> {
        try authorization.authorize(request.metadata, method: "GetHotWallet")
        let desk = try self.desk
        let figures = try await rpcErrors { try await desk.hotWallet() }
        return ServerResponse(message: Lucid_Payment_V1_HotWallet(figures, address: desk.address))
    }

    /// GetNetwork: head and solid block, the prices of a transfer, the node's version and lag.
    public func getNetwork(
        request: ServerRequest<Lucid_Payment_V1_GetNetworkRequest>, context: ServerContext
    ) async throws -> ServerResponse<Lucid_Payment_V1_NetworkStatus> {
        try authorization.authorize(request.metadata, method: "GetNetwork")
        let desk = try self.desk
        let figures = try await rpcErrors { try await desk.network() }
        return ServerResponse(
            message: .with {
                $0.network = desk.settings.network
                $0.headBlock = figures.head.number
                $0.headTime = .init(nodeMilliseconds: figures.head.timestamp)
                $0.solidBlock = figures.solid.number
                $0.solidTime = .init(nodeMilliseconds: figures.solid.timestamp)
                $0.energyFeeSun = figures.parameters["getEnergyFee"] ?? 0
                $0.bandwidthFeeSun = figures.parameters["getTransactionFee"] ?? 0
                $0.maxFeeLimitSun = figures.parameters["getMaxFeeLimit"] ?? 0
                $0.currentEnergyPriceSun = figures.currentEnergyPrice
                $0.nodeVersion = figures.nodeVersion
                $0.headLagMs = figures.headLagMilliseconds
                $0.usdtContract = desk.settings.usdtContract.base58
            })
    }

    /// EstimatePayoutCost: what a payout would burn now and the fee_limit the processor would give it.
    public func estimatePayoutCost(
        request: ServerRequest<Lucid_Payment_V1_EstimatePayoutCostRequest>, context: ServerContext
    ) async throws -> ServerResponse<Lucid_Payment_V1_PayoutCostEstimate> {
        try authorization.authorize(request.metadata, method: "EstimatePayoutCost")
        let desk = try self.desk
        let message = request.message
        let figures = try await rpcErrors {
            let recipient = try Self.address(message.recipientAddress, field: "recipient_address")
            return try await desk.estimate(to: recipient, amountUnits: message.amountUnits)
        }
        return ServerResponse(
            message: .with {
                $0.energy = figures.estimate.energy
                $0.energyPenalty = figures.estimate.penalty
                $0.energyFromStake = figures.energyFromStake
                $0.energyBurned = figures.energyBurned
                $0.energyFeeSun = figures.sunPerEnergy
                $0.bandwidthBytes = figures.bandwidthBytes
                $0.bandwidthBurnSun = figures.bandwidthBurnSun
                $0.trxBurnSun = figures.trxBurnSun
                $0.feeLimitSun = figures.feeLimitSun
                $0.firstTimeRecipient = figures.firstTimeRecipient
                var note =
                    "\(figures.estimate.energy) energy: \(figures.energyFromStake) from stake, \(figures.energyBurned) "
                    + "burned at \(figures.sunPerEnergy) sun; \(figures.bandwidthBurnSun) sun for bandwidth"
                if figures.firstTimeRecipient {
                    note +=
                        "; the recipient holds no USDT, so this transfer creates its balance (about twice the energy)"
                }
                if figures.feeLimitSun == 0 {
                    note += "; the estimate is above tron.fee_limit_sun: the processor would hold this payout"
                }
                $0.note = note
            })
    }

    /// Stake: FreezeBalanceV2 of `amount_sun` (at least 1 TRX) for ENERGY or BANDWIDTH, exactly once per key.
    public func stake(
        request: ServerRequest<Lucid_Payment_V1_StakeRequest>, context: ServerContext
    ) async throws -> ServerResponse<Lucid_Payment_V1_TreasuryOperation> {
        try authorization.authorize(request.metadata, method: "Stake")
        let message = request.message
        return try await submit(request.metadata, key: message.idempotencyKey) {
            .freeze(
                amountSun: try Self.amount(message.amountSun, least: 1_000_000),
                resource: try Self.resource(message.resource))
        }
    }

    /// Unstake: UnfreezeBalanceV2 of `amount_sun`, exactly once per key.
    public func unstake(
        request: ServerRequest<Lucid_Payment_V1_UnstakeRequest>, context: ServerContext
    ) async throws -> ServerResponse<Lucid_Payment_V1_TreasuryOperation> {
        try authorization.authorize(request.metadata, method: "Unstake")
        let message = request.message
        return try await submit(request.metadata, key: message.idempotencyKey) {
            .unfreeze(
                amountSun: try Self.amount(message.amountSun, least: 1), resource: try Self.resource(message.resource))
        }
    }

    /// WithdrawUnstaked: WithdrawExpireUnfreeze, exactly once per key.
    public func withdrawUnstaked(
        request: ServerRequest<Lucid_Payment_V1_WithdrawUnstakedRequest>, context: ServerContext
    ) async throws -> ServerResponse<Lucid_Payment_V1_TreasuryOperation> {
        try authorization.authorize(request.metadata, method: "WithdrawUnstaked")
        return try await submit(request.metadata, key: request.message.idempotencyKey) { .withdrawExpired }
    }

    /// DelegateResource: lends the resource of `amount_sun` of stake to `receiver_address` (not the hot wallet),
    /// locked for 3 days with `lock`, exactly once per key.
    public func delegateResource(
        request: ServerRequest<Lucid_Payment_V1_DelegateResourceRequest>, context: ServerContext
    ) async throws -> ServerResponse<Lucid_Payment_V1_TreasuryOperation> {
        try authorization.authorize(request.metadata, method: "DelegateResource")
        let message = request.message
        return try await submit(request.metadata, key: message.idempotencyKey) {
            .delegate(
                amountSun: try Self.amount(message.amountSun, least: 1_000_000),
                resource: try Self.resource(message.resource),
                receiver: try Self.address(message.receiverAddress, field: "receiver_address"),
                lockPeriodBlocks: message.lock ? TreasuryService.lockPeriodBlocks : nil)
        }
    }

    /// UndelegateResource: takes back what DelegateResource lent, exactly once per key.
    public func undelegateResource(
        request: ServerRequest<Lucid_Payment_V1_UndelegateResourceRequest>, context: ServerContext
    ) async throws -> ServerResponse<Lucid_Payment_V1_TreasuryOperation> {
        try authorization.authorize(request.metadata, method: "UndelegateResource")
        let message = request.message
        return try await submit(request.metadata, key: message.idempotencyKey) {
            .undelegate(
                amountSun: try Self.amount(message.amountSun, least: 1), resource: try Self.resource(message.resource),
                receiver: try Self.address(message.receiverAddress, field: "receiver_address"))
        }
    }

    /// GetTreasuryOperation: one operation as stored (INVALID_ARGUMENT for a malformed id, NOT_FOUND).
    public func getTreasuryOperation(
        request: ServerRequest<Lucid_Payment_V1_GetTreasuryOperationRequest>, context: ServerContext
    ) async throws -> ServerResponse<Lucid_Payment_V1_TreasuryOperation> {
        try authorization.authorize(request.metadata, method: "GetTreasuryOperation")
        let desk = try self.desk
        let operation = try await rpcErrors { try await desk.operation(id: request.message.operationID) }
        return ServerResponse(message: Lucid_Payment_V1_TreasuryOperation(operation, replayed: false))
    }

    /// A locked delegation's lock: 3 days of 3 s blocks, java-tron's getMaxDelegateLockPeriod default.
    static let lockPeriodBlocks: Int64 = 86_400

    /// Validates the caller and the operation, then submits it through the desk.
    private func submit(_ metadata: Metadata, key: String, _ action: () throws -> StakeOperation) async throws
        -> ServerResponse<Lucid_Payment_V1_TreasuryOperation>
    {
        let desk = try self.desk
        let outcome = try await rpcErrors {
            let caller = try CallerIdentity(metadata: metadata)
            try Identifier.validateIdempotencyKey(key)
            return try await desk.submit(try action(), idempotencyKey: key, caller: caller)
        }
        return ServerResponse(message: Lucid_Payment_V1_TreasuryOperation(outcome.value, replayed: outcome.isReplay))
    }

    static func address(_ text: String, field: String) throws(PaymentError) -> TronAddress {
        guard !text.isEmpty else { throw .invalid(field, "is required") }
        do {
            return try TronAddress(base58: text)
        } catch {
            throw .invalid(field, "is not a TRON address: \(error)")
        }
    }

    static func amount(_ sun: Int64, least: Int64) throws(PaymentError) -> Int64 {
        guard sun >= least else { throw .invalid("amount_sun", "must be at least \(least) sun") }
        guard sun <= 1_000_000_000_000_000 else {
            throw .invalid("amount_sun", "must be at most 10^15 sun (1 billion TRX)")
        }
        return sun
    }

    static func resource(_ resource: Lucid_Payment_V1_StakeResource) throws(PaymentError) -> TronResource {
        switch resource {
        case .energy, .unspecified: return .energy
        case .bandwidth: return .bandwidth
        case .UNRECOGNIZED(let value):
            throw .invalid("resource", "must be STAKE_RESOURCE_ENERGY or STAKE_RESOURCE_BANDWIDTH, got \(value)")
        }
    }
}

extension Lucid_Payment_V1_TreasuryOperation {
    init(_ operation: TreasuryOperation, replayed: Bool) {
        let columns = StakeOperationColumns(operation.action)
        self.init()
        operationID = operation.id
        kind =
            switch operation.action {
            case .freeze: .stake
            case .unfreeze: .unstake
            case .withdrawExpired: .withdrawUnstaked
            case .delegate: .delegateResource
            case .undelegate: .undelegateResource
            }
        resource = Lucid_Payment_V1_StakeResource(columns.resource.flatMap(TronResource.init(rawValue:)))
        amountSun = columns.amountSun
        receiverAddress = columns.receiver ?? ""
        lock = columns.lockPeriodBlocks != nil
        status =
            switch operation.status {
            case .signed: .signed
            case .broadcast: .broadcast
            case .confirmed: .confirmed
            case .failed: .failed
            }
        txid = operation.txid
        requestedBy = operation.requestedBy
        createdAt = .init(milliseconds: operation.createdAt)
        updatedAt = .init(milliseconds: operation.updatedAt)
        blockNumber = operation.blockNumber ?? 0
        feeSun = operation.feeSun ?? 0
        failureReason = operation.failureReason ?? ""
        self.replayed = replayed
    }
}

extension Lucid_Payment_V1_StakeResource {
    init(_ resource: TronResource?) {
        switch resource {
        case .energy: self = .energy
        case .bandwidth: self = .bandwidth
        case nil: self = .unspecified
        }
    }
}

extension Lucid_Payment_V1_HotWallet {
    init(_ figures: HotWalletFigures, address: TronAddress) {
        self.init()
        self.address = address.base58
        trxSun = figures.trxSun
        usdtUnits = figures.usdtUnits
        func pair(_ limit: String, _ used: String) -> Lucid_Payment_V1_ResourceFigures {
            .with {
                $0.limit = max(0, figures.resources[limit] ?? 0)
                $0.used = max(0, figures.resources[used] ?? 0)
                $0.available = figures.available(limit, used)
            }
        }
        energy = pair("EnergyLimit", "EnergyUsed")
        bandwidth = pair("NetLimit", "NetUsed")
        freeBandwidth = pair("freeNetLimit", "freeNetUsed")
        staked = [
            (TronResource.energy, figures.account.stakedForEnergySun),
            (.bandwidth, figures.account.stakedForBandwidthSun),
        ]
        .filter { $0.1 > 0 }.map { resource, amount in
            .with {
                $0.resource = .init(resource)
                $0.amountSun = amount
            }
        }
        var withdrawable: Int64 = 0
        unstaking = figures.account.unstaking.map { entry in
            let ready = entry.expiresAtMilliseconds <= figures.headMilliseconds
            if ready, !withdrawable.addingReportingOverflow(entry.amountSun).overflow {
                withdrawable += entry.amountSun
            }
            return .with {
                $0.resource = .init(entry.resource)
                $0.amountSun = entry.amountSun
                $0.withdrawableAt = .init(nodeMilliseconds: entry.expiresAtMilliseconds)
                $0.withdrawable = ready
            }
        }
        withdrawableSun = withdrawable
        delegatedOut = figures.delegations.map { delegation in
            .with {
                $0.receiverAddress = delegation.receiver.base58
                $0.resource = .init(delegation.resource)
                $0.amountSun = delegation.amountSun
                if delegation.lockedUntilMilliseconds > figures.headMilliseconds {
                    $0.lockedUntil = .init(nodeMilliseconds: delegation.lockedUntilMilliseconds)
                }
            }
        }
        payoutsCoveredByEnergy = figures.coverage.byEnergy
        payoutsCoveredByTrx = figures.coverage.byTRX
        payoutsCovered = figures.coverage.total
        typicalPayoutEnergy = figures.coverage.energyPerPayout
    }
}

extension SwiftProtobuf.Google_Protobuf_Timestamp {
    /// A node's time (ms since the epoch), clamped to 0...year 2200 first: a hostile value cannot trap the
    /// conversion.
    init(nodeMilliseconds: Int64) {
        let clamped = min(max(0, nodeMilliseconds), StakeAccount.maxMilliseconds)
        self.init(seconds: clamped / 1_000, nanos: Int32(clamped % 1_000) * 1_000_000)
    }
}
