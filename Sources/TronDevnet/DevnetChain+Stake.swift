import Foundation
import TronKit
import TronProto

/// Stake 2.0 (java-tron's FreezeBalanceV2, UnfreezeBalanceV2, WithdrawExpireUnfreeze, DelegateResource and
/// UnDelegateResource actuators) and the resources stake buys: each account's share of the network's daily energy
/// and bandwidth, used before TRX is burned.
extension DevnetChain {
    /// A Stake 2.0 contract of a transaction, decoded.
    enum StakeContract {
        case freeze(Protocol_FreezeBalanceV2Contract)
        case unfreeze(Protocol_UnfreezeBalanceV2Contract)
        case withdraw(Protocol_WithdrawExpireUnfreezeContract)
        case delegate(Protocol_DelegateResourceContract)
        case undelegate(Protocol_UnDelegateResourceContract)

        init?(_ contract: Protocol_Transaction.Contract) {
            let any = contract.parameter
            switch contract.type {
            case .freezeBalanceV2Contract:
                guard let value = try? Protocol_FreezeBalanceV2Contract(unpackingAny: any) else { return nil }
                self = .freeze(value)
            case .unfreezeBalanceV2Contract:
                guard let value = try? Protocol_UnfreezeBalanceV2Contract(unpackingAny: any) else { return nil }
                self = .unfreeze(value)
            case .withdrawExpireUnfreezeContract:
                guard let value = try? Protocol_WithdrawExpireUnfreezeContract(unpackingAny: any) else { return nil }
                self = .withdraw(value)
            case .delegateResourceContract:
                guard let value = try? Protocol_DelegateResourceContract(unpackingAny: any) else { return nil }
                self = .delegate(value)
            case .unDelegateResourceContract:
                guard let value = try? Protocol_UnDelegateResourceContract(unpackingAny: any) else { return nil }
                self = .undelegate(value)
            default:
                return nil
            }
        }

        var ownerAddress: Data {
            switch self {
            case .freeze(let value): value.ownerAddress
            case .unfreeze(let value): value.ownerAddress
            case .withdraw(let value): value.ownerAddress
            case .delegate(let value): value.ownerAddress
            case .undelegate(let value): value.ownerAddress
            }
        }
    }

    /// The most unstakings that may wait at once (java-tron's UNFREEZE_MAX_TIMES).
    static let maxPendingUnfreezes = 32
    /// A delegation's lock, 3 days of blocks (DELEGATE_PERIOD). With getMaxDelegateLockPeriod at this value, as
    /// here, java-tron ignores `lock_period` and always locks for this long.
    static let defaultLockBlocks: Int64 = 86_400

    // MARK: The network's totals and an account's limits

    /// Whole TRX staked for `resource` on the network: the devnet's accounts plus the configured rest of the world.
    func totalWeight(_ resource: TronResource, in state: DevnetState) -> Int64 {
        let others = resource == .energy ? config.otherEnergyWeight : config.otherNetWeight
        return state.resources.values.reduce(others) { $0 + $1.weight(resource) }
    }

    func totalLimit(_ resource: TronResource) -> Int64 {
        resource == .energy ? config.totalEnergyLimit : config.totalNetLimit
    }

    /// The account's daily energy or staked bandwidth (EnergyLimit / NetLimit).
    func limit(_ resource: TronResource, of account: DevnetAccountResources, in state: DevnetState) -> Int64 {
        ResourceWindow.share(
            base: account.limitBase(resource), totalLimit: totalLimit(resource),
            totalWeight: totalWeight(resource, in: state))
    }

    /// Staked energy or bandwidth the account has left at `slot`.
    func left(_ resource: TronResource, of account: DevnetAccountResources, slot: Int64, in state: DevnetState)
        -> Int64
    {
        max(0, limit(resource, of: account, in: state) - ResourceWindow.recovered(account[usage: resource], now: slot))
    }

    /// How a transaction's bytes would be paid at `slot`: from staked bandwidth, from the free allowance, or by
    /// burning `bytes × getTransactionFee` sun (java-tron's BandwidthProcessor, in that order).
    enum BandwidthPayment: Equatable {
        case staked
        case free
        case burn(Int64)
    }

    func bandwidthPayment(owner: String, bytes: Int64, slot: Int64, in state: DevnetState) -> BandwidthPayment {
        let account = state.resources[owner] ?? DevnetAccountResources()
        if bytes <= left(.bandwidth, of: account, slot: slot, in: state) { return .staked }
        if bytes <= config.freeNetLimit - ResourceWindow.recovered(account.freeNet, now: slot) { return .free }
        return .burn(bytes * config.transactionFee)
    }

    /// Pays `bytes` of bandwidth for `owner` at `slot`; the sun burned (0 when stake or the allowance paid).
    func payBandwidth(owner: String, bytes: Int64, slot: Int64, state: inout DevnetState) -> (fee: Int64, free: Bool) {
        switch bandwidthPayment(owner: owner, bytes: bytes, slot: slot, in: state) {
        case .staked:
            use(.bandwidth, bytes, owner: owner, slot: slot, state: &state)
            return (0, true)
        case .free:
            var account = state.resources[owner] ?? DevnetAccountResources()
            account.freeNet = .init(
                used: ResourceWindow.increase(
                    lastUsage: account.freeNet.used, usage: bytes, lastSlot: account.freeNet.slot, now: slot),
                slot: slot)
            state.resources[owner] = account
            return (0, true)
        case .burn(let fee):
            let paid = min(fee, state.trx[owner] ?? 0)
            state.trx[owner, default: 0] -= paid
            return (paid, false)
        }
    }

    /// Adds `amount` of staked `resource` usage at `slot`.
    func use(_ resource: TronResource, _ amount: Int64, owner: String, slot: Int64, state: inout DevnetState) {
        guard amount > 0 else { return }
        var account = state.resources[owner] ?? DevnetAccountResources()
        let usage = account[usage: resource]
        account[usage: resource] = .init(
            used: ResourceWindow.increase(lastUsage: usage.used, usage: amount, lastSlot: usage.slot, now: slot),
            slot: slot)
        state.resources[owner] = account
    }

    // MARK: Validation (at broadcast and again in the block)

    /// Why `contract` by `owner` cannot run at `now` (milliseconds), in java-tron's words; nil when it can.
    func stakeRefusal(_ contract: StakeContract, owner: String, now: Int64, in state: DevnetState) -> String? {
        let account = state.resources[owner] ?? DevnetAccountResources()
        let balance = state.trx[owner] ?? 0
        let slot = ResourceWindow.slot(atMilliseconds: now)
        switch contract {
        case .freeze(let freeze):
            guard TronResource(code: freeze.resource) != nil else {
                return "ResourceCode error, valid ResourceCode[BANDWIDTH、ENERGY]"
            }
            if freeze.frozenBalance <= 0 { return "frozenBalance must be positive" }
            if freeze.frozenBalance < 1_000_000 { return "frozenBalance must be greater than or equal to 1 TRX" }
            if freeze.frozenBalance > balance { return "frozenBalance must be less than or equal to accountBalance" }
        case .unfreeze(let unfreeze):
            guard let resource = TronResource(code: unfreeze.resource) else {
                return "ResourceCode error, valid ResourceCode[BANDWIDTH、ENERGY]"
            }
            let frozen = account.frozen(resource)
            if frozen <= 0 { return resource == .energy ? "no frozenBalance(Energy)" : "no frozenBalance(BANDWIDTH)" }
            if unfreeze.unfreezeBalance <= 0 || unfreeze.unfreezeBalance > frozen {
                return "Invalid unfreeze_balance, [\(unfreeze.unfreezeBalance)] is error"
            }
            if account.unfreezing.filter({ $0.expireTime > now }).count >= Self.maxPendingUnfreezes {
                return "Invalid unfreeze operation, unfreezing times is over limit"
            }
        case .withdraw:
            if account.unfreezing.filter({ $0.expireTime <= now }).reduce(0, { $0 + $1.amount }) <= 0 {
                return "no unFreeze balance to withdraw "
            }
        case .delegate(let delegate):
            guard let resource = TronResource(code: delegate.resource) else {
                return "ResourceCode error, valid ResourceCode[BANDWIDTH、ENERGY]"
            }
            if delegate.balance < 1_000_000 { return "delegateBalance must be greater than or equal to 1 TRX" }
            if delegate.balance > delegatable(resource, of: account, slot: slot, in: state) {
                return "delegateBalance must be less than or equal to available "
                    + (resource == .energy ? "FreezeEnergyV2" : "FreezeBandwidthV2") + " balance"
            }
            guard let receiver = try? TronAddress(bytes: [UInt8](delegate.receiverAddress)) else {
                return "Invalid receiverAddress"
            }
            if receiver.hex == owner { return "receiverAddress must not be the same as ownerAddress" }
            if state.trx[receiver.hex] == nil && state.usdt[receiver.hex] == nil {
                return "Account[\(receiver.hex)] not exists"
            }
            if receiver.hex == config.usdtContract.hex {
                return "Do not allow delegate resources to contract addresses"
            }
        case .undelegate(let undelegate):
            guard let resource = TronResource(code: undelegate.resource) else {
                return "ResourceCode error, valid ResourceCode[BANDWIDTH、ENERGY]"
            }
            let receiver = Hex.encode(undelegate.receiverAddress)
            let records = state.delegations.filter { $0.from == owner && $0.to == receiver }
            if records.allSatisfy({ $0.amount(resource) == 0 }) { return "delegated Resource does not exist" }
            if undelegate.balance <= 0 { return "unDelegateBalance must be more than 0 TRX" }
            let unlocked = records.reduce(0) { total, record in
                total + (!record.locked || record.expire(resource) < now ? record.amount(resource) : 0)
            }
            if unlocked < undelegate.balance {
                return resource == .energy
                    ? "insufficient delegateFrozenBalance(Energy), request=\(undelegate.balance), unlock_balance=\(unlocked)"
                    : "insufficient delegatedFrozenBalance(BANDWIDTH), request=\(undelegate.balance), unlock_balance=\(unlocked)"
            }
        }
        return nil
    }

    /// Staked sun of `resource` the account may still lend: its stake less what its own usage stands for
    /// (java-tron's getCanDelegatedMaxSize / FreezeV2Util.getV2EnergyUsage).
    func delegatable(
        _ resource: TronResource, of account: DevnetAccountResources, slot: Int64, in state: DevnetState
    ) -> Int64 {
        let usage = ResourceWindow.recovered(account[usage: resource], now: slot)
        let used = ResourceWindow.stakeEquivalent(
            usage: usage, totalLimit: totalLimit(resource), totalWeight: totalWeight(resource, in: state))
        let ownUsed = max(0, used - account.acquired(resource))
        return max(0, account.frozen(resource) - ownUsed)
    }

    // MARK: Execution (inside a block)

    /// Runs a Stake 2.0 contract at the block's `now` (milliseconds); the unstaked TRX it returned to the balance.
    func executeStake(_ contract: StakeContract, owner: String, now: Int64, state: inout DevnetState) -> Int64 {
        var account = state.resources[owner] ?? DevnetAccountResources()
        let slot = ResourceWindow.slot(atMilliseconds: now)
        var withdrawn: Int64 = 0
        func withdrawExpired() {
            withdrawn = account.unfreezing.filter { $0.expireTime <= now }.reduce(0) { $0 + $1.amount }
            account.unfreezing.removeAll { $0.expireTime <= now }
            state.trx[owner, default: 0] += withdrawn
        }
        switch contract {
        case .freeze(let freeze):
            let resource = TronResource(code: freeze.resource)!
            state.trx[owner, default: 0] -= freeze.frozenBalance
            account.add(resource, frozen: freeze.frozenBalance)
        case .unfreeze(let unfreeze):
            let resource = TronResource(code: unfreeze.resource)!
            withdrawExpired()
            account.add(resource, frozen: -unfreeze.unfreezeBalance)
            account.unfreezing.append(
                .init(
                    resource: resource, amount: unfreeze.unfreezeBalance,
                    expireTime: now + config.unfreezeDelaySeconds * 1_000))
        case .withdraw:
            withdrawExpired()
        case .delegate(let delegate):
            let resource = TronResource(code: delegate.resource)!
            let receiver = Hex.encode(delegate.receiverAddress)
            account.add(resource, frozen: -delegate.balance)
            account.add(resource, delegated: delegate.balance)
            state.resources[owner] = account
            var borrower = state.resources[receiver] ?? DevnetAccountResources()
            borrower.add(resource, acquired: delegate.balance)
            state.resources[receiver] = borrower
            record(delegate, resource: resource, owner: owner, receiver: receiver, now: now, state: &state)
            return 0
        case .undelegate(let undelegate):
            let resource = TronResource(code: undelegate.resource)!
            let receiver = Hex.encode(undelegate.receiverAddress)
            takeBack(undelegate.balance, resource: resource, owner: owner, receiver: receiver, now: now, state: &state)
            // The borrower's usage of what it gives back goes with it to the lender (java-tron's unDelegateIncrease).
            var borrower = state.resources[receiver] ?? DevnetAccountResources()
            let borrowerUsage = ResourceWindow.recovered(borrower[usage: resource], now: slot)
            let base = borrower.limitBase(resource)
            let byShare = ResourceWindow.share(
                base: undelegate.balance, totalLimit: totalLimit(resource),
                totalWeight: totalWeight(resource, in: state))
            let byUsage = ResourceWindow.multiply(borrowerUsage, undelegate.balance, dividedBy: base)
            let moved = max(0, min(byShare, byUsage, borrowerUsage))
            borrower[usage: resource] = .init(used: borrowerUsage - moved, slot: slot)
            borrower.add(resource, acquired: -undelegate.balance)
            state.resources[receiver] = borrower.isEmpty ? nil : borrower
            account = state.resources[owner] ?? DevnetAccountResources()
            account.add(resource, delegated: -undelegate.balance)
            account.add(resource, frozen: undelegate.balance)
            let ownUsage = ResourceWindow.recovered(account[usage: resource], now: slot)
            account[usage: resource] = .init(used: ownUsage + moved, slot: slot)
        }
        state.resources[owner] = account.isEmpty ? nil : account
        return withdrawn
    }

    private func record(
        _ delegate: Protocol_DelegateResourceContract, resource: TronResource, owner: String, receiver: String,
        now: Int64, state: inout DevnetState
    ) {
        func index(locked: Bool) -> Int {
            if let found = state.delegations.firstIndex(where: {
                $0.from == owner && $0.to == receiver && $0.locked == locked
            }) {
                return found
            }
            state.delegations.append(DevnetDelegation(from: owner, to: receiver, locked: locked))
            return state.delegations.count - 1
        }
        // Locked amounts whose lock ran out count as unlocked from now on.
        if let locked = state.delegations.firstIndex(where: {
            $0.from == owner && $0.to == receiver && $0.locked
        }), state.delegations[locked].expire(resource) <= now, state.delegations[locked].amount(resource) > 0 {
            let amount = state.delegations[locked].amount(resource)
            state.delegations[locked].add(resource, -amount)
            state.delegations[locked].setExpire(resource, 0)
            state.delegations[index(locked: false)].add(resource, amount)
        }
        let target = index(locked: delegate.lock)
        state.delegations[target].add(resource, delegate.balance)
        if delegate.lock {
            state.delegations[target].setExpire(
                resource, now + Self.defaultLockBlocks * ResourceWindow.slotMilliseconds)
        }
        state.delegations.removeAll { $0.energy == 0 && $0.bandwidth == 0 }
    }

    private func takeBack(
        _ amount: Int64, resource: TronResource, owner: String, receiver: String, now: Int64,
        state: inout DevnetState
    ) {
        var remaining = amount
        // The unlocked record first, then locked amounts whose lock has run out.
        for locked in [false, true] {
            guard remaining > 0,
                let index = state.delegations.firstIndex(where: {
                    $0.from == owner && $0.to == receiver && $0.locked == locked
                })
            else { continue }
            let record = state.delegations[index]
            guard !locked || record.expire(resource) < now else { continue }
            let taken = min(remaining, record.amount(resource))
            state.delegations[index].add(resource, -taken)
            remaining -= taken
        }
        state.delegations.removeAll { $0.energy == 0 && $0.bandwidth == 0 }
    }
}

// MARK: Reads for the HTTP API

extension DevnetChain {
    /// An account's resources as the node reports them at the head block: usages recovered to the head's slot.
    struct ResourceView {
        var address: TronAddress
        var balance: Int64
        var account: DevnetAccountResources
        var headSlot: Int64
        var energyLimit: Int64
        var netLimit: Int64
        var totalEnergyWeight: Int64
        var totalNetWeight: Int64
        var delegatableEnergy: Int64
        var delegatableBandwidth: Int64
        var headTimestamp: Int64
    }

    /// `address`'s resources at the head; nil when the account does not exist.
    func resourceView(of address: TronAddress) -> ResourceView? {
        state.withLock { state in
            guard state.trx[address.hex] != nil || state.usdt[address.hex] != nil else { return nil }
            let head = state.blocks.last!
            let slot = ResourceWindow.slot(atMilliseconds: head.timestamp)
            var account = state.resources[address.hex] ?? DevnetAccountResources()
            let delegatableEnergy = delegatable(.energy, of: account, slot: slot, in: state)
            let delegatableBandwidth = delegatable(.bandwidth, of: account, slot: slot, in: state)
            for usage in [\DevnetAccountResources.energy, \.net, \.freeNet] where account[keyPath: usage].used > 0 {
                account[keyPath: usage] = .init(
                    used: ResourceWindow.recovered(account[keyPath: usage], now: slot),
                    slot: account[keyPath: usage].slot)
            }
            return ResourceView(
                address: address, balance: state.trx[address.hex] ?? 0, account: account, headSlot: slot,
                energyLimit: limit(.energy, of: account, in: state),
                netLimit: limit(.bandwidth, of: account, in: state),
                totalEnergyWeight: totalWeight(.energy, in: state), totalNetWeight: totalWeight(.bandwidth, in: state),
                delegatableEnergy: delegatableEnergy, delegatableBandwidth: delegatableBandwidth,
                headTimestamp: head.timestamp)
        }
    }

    /// The delegation records from `from` to `to`, the unlocked one first.
    func delegations(from: TronAddress, to: TronAddress) -> [DevnetDelegation] {
        state.withLock { state in
            state.delegations.filter { $0.from == from.hex && $0.to == to.hex }.sorted { !$0.locked && $1.locked }
        }
    }

    /// Whom `address` lends to and borrows from, hex, in the order the delegations began.
    func delegationIndex(of address: TronAddress) -> (from: [String], to: [String]) {
        state.withLock { state in
            var from: [String] = []
            var to: [String] = []
            for record in state.delegations {
                if record.to == address.hex, !from.contains(record.from) { from.append(record.from) }
                if record.from == address.hex, !to.contains(record.to) { to.append(record.to) }
            }
            return (from, to)
        }
    }

    /// The energy `transfer(to, amount)` by `owner` would take now (the constant call and estimateenergy).
    func estimateTransfer(owner: TronAddress, to: TronAddress, amount: Int64) -> (
        total: Int64, penalty: Int64, reverts: Bool
    ) {
        state.withLock { state in transferEnergy(owner: owner.hex, to: to, amount: amount, in: state) }
    }
}
