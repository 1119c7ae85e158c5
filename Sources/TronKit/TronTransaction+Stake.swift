import Foundation
import SwiftProtobuf
import TronProto

/// A resource TRX can be staked for (java-tron's `ResourceCode`, without TRON_POWER, which this project never stakes).
public enum TronResource: String, Sendable, CaseIterable, Codable {
    /// Bandwidth: the bytes of every transaction.
    case bandwidth = "BANDWIDTH"
    /// Energy: what a smart-contract call (a USDT transfer) consumes.
    case energy = "ENERGY"

    /// The protobuf code.
    public var code: Protocol_ResourceCode { self == .energy ? .energy : .bandwidth }

    /// The resource of a protobuf code; nil for TRON_POWER and unknown codes.
    public init?(code: Protocol_ResourceCode) {
        switch code {
        case .bandwidth: self = .bandwidth
        case .energy: self = .energy
        default: return nil
        }
    }
}

/// One Stake 2.0 operation of an account (the system contracts 54-58).
public enum StakeOperation: Sendable, Equatable {
    /// FreezeBalanceV2Contract: stake `amountSun` for `resource`.
    case freeze(amountSun: Int64, resource: TronResource)
    /// UnfreezeBalanceV2Contract: start unstaking `amountSun` of `resource`; it can be withdrawn after the chain's
    /// unfreeze delay.
    case unfreeze(amountSun: Int64, resource: TronResource)
    /// WithdrawExpireUnfreezeContract: move every unstaked amount whose delay has passed back to the balance.
    case withdrawExpired
    /// DelegateResourceContract: lend the `resource` of `amountSun` of staked TRX to `receiver`, optionally locked
    /// for `lockPeriodBlocks` (3 s each).
    case delegate(amountSun: Int64, resource: TronResource, receiver: TronAddress, lockPeriodBlocks: Int64?)
    /// UnDelegateResourceContract: take back what `delegate` lent.
    case undelegate(amountSun: Int64, resource: TronResource, receiver: TronAddress)
}

extension TronTransaction {
    /// The transaction of a Stake 2.0 `operation` by `owner` (no fee limit: system contracts use no energy).
    public static func stake(
        _ operation: StakeOperation, owner: TronAddress, reference: ReferenceBlock, timestamp: Int64,
        expiration: Int64
    ) throws -> Protocol_Transaction.raw {
        let ownerBytes = Data(owner.bytes)
        let type: Protocol_Transaction.Contract.ContractType
        let parameter: any SwiftProtobuf.Message
        switch operation {
        case .freeze(let amount, let resource):
            type = .freezeBalanceV2Contract
            parameter = Protocol_FreezeBalanceV2Contract.with {
                $0.ownerAddress = ownerBytes
                $0.frozenBalance = amount
                $0.resource = resource.code
            }
        case .unfreeze(let amount, let resource):
            type = .unfreezeBalanceV2Contract
            parameter = Protocol_UnfreezeBalanceV2Contract.with {
                $0.ownerAddress = ownerBytes
                $0.unfreezeBalance = amount
                $0.resource = resource.code
            }
        case .withdrawExpired:
            type = .withdrawExpireUnfreezeContract
            parameter = Protocol_WithdrawExpireUnfreezeContract.with { $0.ownerAddress = ownerBytes }
        case .delegate(let amount, let resource, let receiver, let lockPeriod):
            type = .delegateResourceContract
            parameter = Protocol_DelegateResourceContract.with {
                $0.ownerAddress = ownerBytes
                $0.resource = resource.code
                $0.balance = amount
                $0.receiverAddress = Data(receiver.bytes)
                if let lockPeriod {
                    $0.lock = true
                    $0.lockPeriod = lockPeriod
                }
            }
        case .undelegate(let amount, let resource, let receiver):
            type = .unDelegateResourceContract
            parameter = Protocol_UnDelegateResourceContract.with {
                $0.ownerAddress = ownerBytes
                $0.resource = resource.code
                $0.balance = amount
                $0.receiverAddress = Data(receiver.bytes)
            }
        }
        return try raw(
            type: type, parameter: parameter, reference: reference, timestamp: timestamp, expiration: expiration,
            feeLimit: 0)
    }
}
