import Foundation
import PaymentAPI
import PaymentCore
import PaymentStore
import SwiftProtobuf

// Translations between the wire messages and the domain. Enum values outside the known set (sent by a newer
// client) are refused by the callers, never guessed.

extension Router {
    init?(proto: Lucid_Payment_V1_RouterType) {
        switch proto {
        case .v0: self = .v0
        case .kyc: self = .kyc
        case .direct: self = .direct
        default: return nil
        }
    }

    var proto: Lucid_Payment_V1_RouterType {
        switch self {
        case .v0: .v0
        case .kyc: .kyc
        case .direct: .direct
        }
    }
}

extension Priority {
    init?(proto: Lucid_Payment_V1_Priority) {
        switch proto {
        case .immediate: self = .immediate
        case .hourly: self = .hourly
        case .daily: self = .daily
        case .weekly: self = .weekly
        default: return nil
        }
    }

    var proto: Lucid_Payment_V1_Priority {
        switch self {
        case .immediate: .immediate
        case .hourly: .hourly
        case .daily: .daily
        case .weekly: .weekly
        }
    }
}

extension PayoutStatus {
    init?(proto: Lucid_Payment_V1_PayoutStatus) {
        switch proto {
        case .pending: self = .pending
        case .scheduled: self = .scheduled
        case .signed: self = .signed
        case .broadcast: self = .broadcast
        case .confirmed: self = .confirmed
        case .failed: self = .failed
        case .cancelled: self = .cancelled
        default: return nil
        }
    }

    var proto: Lucid_Payment_V1_PayoutStatus {
        switch self {
        case .pending: .pending
        case .scheduled: .scheduled
        case .signed: .signed
        case .broadcast: .broadcast
        case .confirmed: .confirmed
        case .failed: .failed
        case .cancelled: .cancelled
        }
    }
}

extension CircuitBreaker.State {
    var proto: Lucid_Payment_V1_BreakerState {
        switch self {
        case .closed: .closed
        case .open: .open
        case .halfOpen: .halfOpen
        }
    }
}

/// Reads an optional enum field: UNSPECIFIED is nil, an unknown number is an error naming the field.
func optionalEnum<Proto: SwiftProtobuf.Enum, Domain>(
    _ value: Proto, field: String, _ convert: (Proto) -> Domain?
) throws(PaymentError) -> Domain? {
    if value.rawValue == 0 { return nil }
    guard let domain = convert(value) else {
        throw .invalid(field, "has the unknown value \(value.rawValue)")
    }
    return domain
}

extension PayoutDraft {
    init(proto: Lucid_Payment_V1_CreatePayoutRequest) throws(PaymentError) {
        self.init(
            recipient: proto.recipientAddress, amountUnits: proto.amountUnits, reason: proto.reason,
            router: try optionalEnum(proto.router, field: "router", Router.init(proto:)),
            kyc: proto.hasKyc ? KYCAttestation(proto: proto.kyc) : nil)
    }

    init(proto: Lucid_Payment_V1_BatchItem, index: Int) throws(PaymentError) {
        self.init(
            recipient: proto.recipientAddress, amountUnits: proto.amountUnits, reason: proto.reason,
            router: try optionalEnum(proto.router, field: "items[\(index)].router", Router.init(proto:)),
            kyc: proto.hasKyc ? KYCAttestation(proto: proto.kyc) : nil)
    }
}

extension KYCAttestation {
    init(proto: Lucid_Payment_V1_KycAttestation) {
        self.init(
            verified: proto.kycVerified, hash: proto.kycHash, nodeID: proto.nodeID,
            complianceSignature: proto.complianceSignature, notAfterUnixSeconds: proto.notAfterUnixSeconds)
    }
}

extension Google_Protobuf_Timestamp {
    init(milliseconds date: Date) {
        let milliseconds = date.milliseconds
        self.init(
            seconds: milliseconds.floorDivided(by: 1000), nanos: Int32(milliseconds.floorModulo(1000) * 1_000_000))
    }
}

extension Int64 {
    func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && self < 0) ? quotient - 1 : quotient
    }

    func floorModulo(_ divisor: Int64) -> Int64 { self - floorDivided(by: divisor) * divisor }
}

extension Lucid_Payment_V1_Payout {
    init(_ payout: Payout, now: Date) {
        self.init()
        payoutID = payout.id
        idempotencyKey = payout.idempotencyKey
        recipientAddress = payout.recipient
        amountUnits = payout.amountUnits
        reason = payout.reason
        router = payout.router.proto
        priority = payout.priority.proto
        status = payout.effectiveStatus(at: now).proto
        batchID = payout.batchID ?? ""
        requestedBy = payout.requestedBy
        nodeID = payout.nodeID ?? ""
        createdAt = Google_Protobuf_Timestamp(milliseconds: payout.createdAt)
        updatedAt = Google_Protobuf_Timestamp(milliseconds: payout.updatedAt)
        scheduledFor = Google_Protobuf_Timestamp(milliseconds: payout.scheduledFor)
        txid = payout.txid ?? ""
        failureReason = payout.failureReason ?? ""
    }
}

extension Lucid_Payment_V1_Batch {
    init(_ stored: BatchWithPayouts, now: Date) {
        self.init()
        let batch = stored.batch
        batchID = batch.id
        idempotencyKey = batch.idempotencyKey
        batchType = batch.batchType.proto
        itemCount = Int64(batch.itemCount)
        totalAmountUnits = batch.totalUnits
        scheduledFor = Google_Protobuf_Timestamp(milliseconds: batch.scheduledFor)
        createdAt = Google_Protobuf_Timestamp(milliseconds: batch.createdAt)
        requestedBy = batch.requestedBy
        var counts = Lucid_Payment_V1_BatchStatusCounts()
        for payout in stored.payouts {
            switch payout.effectiveStatus(at: now) {
            case .pending: counts.pending += 1
            case .scheduled: counts.scheduled += 1
            case .signed: counts.signed += 1
            case .broadcast: counts.broadcast += 1
            case .confirmed: counts.confirmed += 1
            case .failed: counts.failed += 1
            case .cancelled: counts.cancelled += 1
            }
        }
        statusCounts = counts
    }
}

extension Lucid_Payment_V1_TransactionStatus {
    /// The transaction view of a payout: its block, receipt figures and confirmations against the latest head
    /// the processor saw (`head`; nil before the processor has reached the node).
    init(_ payout: Payout, now: Date, head: Int64?, requiredConfirmations: Int64) {
        self.init()
        payoutID = payout.id
        let effective = payout.effectiveStatus(at: now)
        status = effective.proto
        txid = payout.txid ?? ""
        self.requiredConfirmations = requiredConfirmations
        failureReason = payout.failureReason ?? ""
        if let chain = payout.chain {
            blockNumber = chain.blockNumber
            blockTime = Google_Protobuf_Timestamp(milliseconds: chain.blockTime)
            feeSun = chain.feeSun ?? 0
            energyUsed = chain.energyUsed ?? 0
            bandwidthUsed = chain.bandwidthUsed ?? 0
            if let head { confirmations = max(0, head - chain.blockNumber + 1) }
        }
        if !effective.isFinal {
            if payout.chain != nil {
                // In a block: the remaining blocks to solidity, 3 s each.
                estimatedConfirmationSeconds = max(0, requiredConfirmations - confirmations) * 3
            } else {
                // Not in a block yet: due time, one block to be included, then solidification.
                let due = max(0, payout.scheduledFor.timeIntervalSince(now))
                estimatedConfirmationSeconds = Int64(due.rounded(.up)) + requiredConfirmations * 3
            }
        }
    }
}
