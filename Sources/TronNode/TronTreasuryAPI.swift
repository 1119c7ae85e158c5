import Foundation
import TronKit

/// What TreasuryService reads from a node beyond the processor's calls: the account's Stake 2.0 state, its
/// delegations, energy prices, the node's version, and a transfer estimate with its penalty.
public protocol TronTreasuryAPI: TronNodeAPI {
    /// `getaccount`'s balance and Stake 2.0 fields; an unknown account is all zeros.
    func stakeAccount(of address: TronAddress) async throws -> StakeAccount
    /// What `owner` lends to each borrower (`getdelegatedresourceaccountindexv2`, then `getdelegatedresourcev2` per
    /// borrower), at most `limit` borrowers.
    func delegations(from owner: TronAddress, limit: Int) async throws -> [ResourceDelegation]
    /// `getenergyprices`: the price history, "since_ms:sun,…"; its last entry is the price in force.
    func energyPrices() async throws -> String
    /// `getnodeinfo` configNodeInfo.codeVersion; empty when the node does not say.
    func nodeVersion() async throws -> String
    /// `triggerconstantcontract` of `transfer(to, amount)`: energy_used (the penalty included) and energy_penalty.
    func estimateTransfer(owner: TronAddress, to: TronAddress, amount: Int64, contract: TronAddress)
        async throws -> TransferEstimate
}

/// An account's balance and Stake 2.0 state, from `getaccount`.
public struct StakeAccount: Sendable, Equatable {
    /// TRX in sun, stake not counted.
    public var balanceSun: Int64 = 0
    /// Staked for energy (frozenV2 type ENERGY).
    public var stakedForEnergySun: Int64 = 0
    /// Staked for bandwidth (frozenV2 without a type).
    public var stakedForBandwidthSun: Int64 = 0
    /// Unstakes waiting for their delay or for a withdrawal.
    public var unstaking: [Unstaking] = []
    /// Of the stake for energy, what is lent out.
    public var delegatedEnergySun: Int64 = 0
    /// Of the stake for bandwidth, what is lent out.
    public var delegatedBandwidthSun: Int64 = 0

    /// One unfrozenV2 entry.
    public struct Unstaking: Sendable, Equatable {
        /// ENERGY or BANDWIDTH.
        public var resource: TronResource
        /// Sun.
        public var amountSun: Int64
        /// When it may be withdrawn, ms since the epoch.
        public var expiresAtMilliseconds: Int64

        /// An entry as read.
        public init(resource: TronResource, amountSun: Int64, expiresAtMilliseconds: Int64) {
            self.resource = resource
            self.amountSun = amountSun
            self.expiresAtMilliseconds = expiresAtMilliseconds
        }
    }

    /// An empty account.
    public init() {}

    /// More sun than exists (100 billion TRX): node amounts are clamped to it.
    public static let maxSun: Int64 = 100_000_000_000_000_000

    /// The latest instant a node's time is taken as (year 2200, in ms): later or negative values are clamped, so
    /// that converting them to dates and timestamps cannot trap.
    public static let maxMilliseconds: Int64 = 7_258_118_400_000

    /// A node's time in ms, clamped to 0...`maxMilliseconds`.
    static func milliseconds(_ value: Any?) -> Int64 {
        min(max(0, TronNodeClient.int(value) ?? 0), maxMilliseconds)
    }
}

/// Resources lent to one borrower (`getdelegatedresourcev2`).
public struct ResourceDelegation: Sendable, Equatable {
    /// The borrower.
    public var receiver: TronAddress
    /// ENERGY or BANDWIDTH.
    public var resource: TronResource
    /// The stake whose resource is lent.
    public var amountSun: Int64
    /// The lock's end, ms since the epoch; 0 when not locked.
    public var lockedUntilMilliseconds: Int64

    /// A delegation as read.
    public init(receiver: TronAddress, resource: TronResource, amountSun: Int64, lockedUntilMilliseconds: Int64) {
        self.receiver = receiver
        self.resource = resource
        self.amountSun = amountSun
        self.lockedUntilMilliseconds = lockedUntilMilliseconds
    }
}

/// A transfer's energy as the node estimates it.
public struct TransferEstimate: Sendable, Equatable {
    /// energy_used, the penalty included.
    public var energy: Int64
    /// energy_penalty (0 when the node gives none).
    public var penalty: Int64

    /// An estimate as read.
    public init(energy: Int64, penalty: Int64) {
        self.energy = energy
        self.penalty = penalty
    }
}

extension TronNodeClient: TronTreasuryAPI {
    /// `getaccount`, with the node's figures clamped at 0 (a negative amount is no amount).
    public func stakeAccount(of address: TronAddress) async throws -> StakeAccount {
        let json = try await call("/wallet/getaccount", ["address": address.hex])
        if let error = json["Error"] { throw TronNodeError.node("/wallet/getaccount: \(error)") }
        // Clamped to what could ever exist (all TRX: 10^17 sun), so sums of hostile entries cannot overflow.
        func amount(_ value: Any?) -> Int64 { min(max(0, Self.int(value) ?? 0), StakeAccount.maxSun) }
        func add(_ a: inout Int64, _ b: Int64) { a = min(StakeAccount.maxSun, a + b) }
        var account = StakeAccount()
        account.balanceSun = amount(json["balance"])
        for entry in json["frozenV2"] as? [[String: Any]] ?? [] {
            switch entry["type"] as? String {
            case nil, "BANDWIDTH": add(&account.stakedForBandwidthSun, amount(entry["amount"]))
            case "ENERGY": add(&account.stakedForEnergySun, amount(entry["amount"]))
            default: continue
            }
        }
        for entry in json["unfrozenV2"] as? [[String: Any]] ?? [] {
            let resource: TronResource
            switch entry["type"] as? String {
            case nil, "BANDWIDTH": resource = .bandwidth
            case "ENERGY": resource = .energy
            default: continue
            }
            account.unstaking.append(
                StakeAccount.Unstaking(
                    resource: resource, amountSun: amount(entry["unfreeze_amount"]),
                    expiresAtMilliseconds: StakeAccount.milliseconds(entry["unfreeze_expire_time"])))
        }
        account.delegatedBandwidthSun = amount(json["delegated_frozenV2_balance_for_bandwidth"])
        let resource = json["account_resource"] as? [String: Any] ?? [:]
        account.delegatedEnergySun = amount(resource["delegated_frozenV2_balance_for_energy"])
        return account
    }

    /// The index, then each borrower's records, up to `limit` borrowers.
    public func delegations(from owner: TronAddress, limit: Int) async throws -> [ResourceDelegation] {
        let index = try await call(
            "/wallet/getdelegatedresourceaccountindexv2", ["value": owner.hex])
        var delegations: [ResourceDelegation] = []
        for hex in (index["toAccounts"] as? [String] ?? []).prefix(limit) {
            guard let bytes = Hex.decode(hex), let receiver = try? TronAddress(bytes: bytes) else {
                throw TronNodeError.node("getdelegatedresourceaccountindexv2 listed \(hex), which is no address")
            }
            let json = try await call(
                "/wallet/getdelegatedresourcev2", ["fromAddress": owner.hex, "toAddress": receiver.hex])
            for record in json["delegatedResource"] as? [[String: Any]] ?? [] {
                for (resource, amountKey, expireKey) in [
                    (TronResource.energy, "frozen_balance_for_energy", "expire_time_for_energy"),
                    (.bandwidth, "frozen_balance_for_bandwidth", "expire_time_for_bandwidth"),
                ] {
                    let amount = min(max(0, Self.int(record[amountKey]) ?? 0), StakeAccount.maxSun)
                    guard amount > 0 else { continue }
                    delegations.append(
                        ResourceDelegation(
                            receiver: receiver, resource: resource, amountSun: amount,
                            lockedUntilMilliseconds: StakeAccount.milliseconds(record[expireKey])))
                }
            }
        }
        return delegations
    }

    /// `getenergyprices`' `prices`.
    public func energyPrices() async throws -> String {
        guard let prices = try await call("/wallet/getenergyprices", [:])["prices"] as? String else {
            throw TronNodeError.node("getenergyprices answered without prices")
        }
        return prices
    }

    /// `getnodeinfo` configNodeInfo.codeVersion.
    public func nodeVersion() async throws -> String {
        let json = try await call("/wallet/getnodeinfo", [:])
        return (json["configNodeInfo"] as? [String: Any])?["codeVersion"] as? String ?? ""
    }

    /// `triggerconstantcontract` of the transfer, with its penalty.
    public func estimateTransfer(
        owner: TronAddress, to: TronAddress, amount: Int64, contract: TronAddress
    ) async throws -> TransferEstimate {
        let json = try await call(
            "/wallet/triggerconstantcontract",
            [
                "owner_address": owner.hex, "contract_address": contract.hex,
                "function_selector": "transfer(address,uint256)",
                "parameter": Hex.encode(TRC20.word(address: to) + TRC20.word(amount: amount)),
            ])
        guard let energy = Self.int(json["energy_used"]), energy >= 0 else {
            throw TronNodeError.node("triggerconstantcontract transfer gave no energy_used: \(json)")
        }
        let penalty = min(energy, max(0, Self.int(json["energy_penalty"]) ?? 0))
        return TransferEstimate(energy: energy, penalty: penalty)
    }
}
