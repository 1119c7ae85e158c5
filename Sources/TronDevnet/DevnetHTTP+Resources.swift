import Foundation
import TronKit

/// The account, resource, Stake 2.0 and chain-parameter endpoints, in java-tron's JSON shapes (zero fields left out,
/// times of usage in milliseconds).
extension DevnetHTTP {
    static func resourceRoutes(chain: DevnetChain, route: (String, @escaping Handler) -> Void) {
        for prefix in ["/wallet", "/walletsolidity"] {
            route("\(prefix)/getaccount") { body, visible in
                guard let view = chain.resourceView(of: try DevnetRequest.address(body["address"])) else { return [:] }
                return account(view, visible: visible)
            }
        }
        route("/wallet/getaccountresource") { body, _ in
            guard let view = chain.resourceView(of: try DevnetRequest.address(body["address"])) else { return [:] }
            var json = net(view, chain: chain)
            put(&json, "EnergyUsed", view.account.energy.used)
            put(&json, "EnergyLimit", view.energyLimit)
            put(&json, "TotalEnergyLimit", chain.config.totalEnergyLimit)
            put(&json, "TotalEnergyWeight", view.totalEnergyWeight)
            let tronPower =
                (view.account.frozenEnergy + view.account.delegatedEnergy + view.account.frozenBandwidth
                    + view.account.delegatedBandwidth) / 1_000_000
            put(&json, "tronPowerLimit", tronPower)
            return json
        }
        route("/wallet/getaccountnet") { body, _ in
            guard let view = chain.resourceView(of: try DevnetRequest.address(body["address"])) else { return [:] }
            return net(view, chain: chain)
        }
        route("/wallet/getchainparameters") { _, _ in
            let config = chain.config
            let parameters: [(String, Int64)] = [
                ("getTransactionFee", config.transactionFee), ("getCreateAccountFee", 100_000),
                ("getEnergyFee", config.energyFee), ("getTotalEnergyLimit", config.totalEnergyLimit),
                ("getTotalEnergyCurrentLimit", config.totalEnergyLimit), ("getAllowAdaptiveEnergy", 0),
                ("getMaxFeeLimit", config.maxFeeLimit), ("getAllowNewResourceModel", 0),
                ("getFreeNetLimit", config.freeNetLimit), ("getTotalNetLimit", config.totalNetLimit),
                // Days, rounded up; the expiry times the node reports follow unfreeze_delay_seconds exactly.
                ("getUnfreezeDelayDays", (config.unfreezeDelaySeconds + 86_399) / 86_400),
                ("getAllowDynamicEnergy", 0), ("getMaxDelegateLockPeriod", DevnetChain.defaultLockBlocks),
            ]
            return [
                "chainParameter": parameters.map { key, value -> [String: Any] in
                    value == 0 ? ["key": key] : ["key": key, "value": value]
                }
            ]
        }
        route("/wallet/getenergyprices") { _, _ in ["prices": "0:\(chain.config.energyFee)"] }
        route("/wallet/getbandwidthprices") { _, _ in ["prices": "0:\(chain.config.transactionFee)"] }
        route("/wallet/getdelegatedresourcev2") { body, visible in
            let from = try DevnetRequest.address(body["fromAddress"])
            let to = try DevnetRequest.address(body["toAddress"])
            let records = chain.delegations(from: from, to: to).map { record -> [String: Any] in
                var json: [String: Any] = [
                    "from": DevnetJSON.address(from.bytes, visible: visible),
                    "to": DevnetJSON.address(to.bytes, visible: visible),
                ]
                put(&json, "frozen_balance_for_bandwidth", record.bandwidth)
                put(&json, "expire_time_for_bandwidth", record.bandwidthExpire)
                put(&json, "frozen_balance_for_energy", record.energy)
                put(&json, "expire_time_for_energy", record.energyExpire)
                return json
            }
            return records.isEmpty ? [:] : ["delegatedResource": records]
        }
        route("/wallet/getdelegatedresourceaccountindexv2") { body, visible in
            let address = try DevnetRequest.address(body["value"])
            let index = chain.delegationIndex(of: address)
            var json: [String: Any] = ["account": DevnetJSON.address(address.bytes, visible: visible)]
            let show = { (hex: String) in DevnetJSON.address(Hex.decode(hex) ?? [], visible: visible) }
            if !index.from.isEmpty { json["fromAccounts"] = index.from.map(show) }
            if !index.to.isEmpty { json["toAccounts"] = index.to.map(show) }
            return json
        }
        route("/wallet/getcandelegatedmaxsize") { body, _ in
            guard let view = chain.resourceView(of: try DevnetRequest.address(body["owner_address"])) else {
                return [:]
            }
            let size = DevnetRequest.int64(body["type"]) == 1 ? view.delegatableEnergy : view.delegatableBandwidth
            return size >= 1_000_000 ? ["max_size": size] : [:]
        }
        route("/wallet/getcanwithdrawunfreezeamount") { body, _ in
            guard let view = chain.resourceView(of: try DevnetRequest.address(body["owner_address"])) else {
                return [:]
            }
            let requested = DevnetRequest.int64(body["timestamp"])
            guard requested >= 0 else { return [:] }
            let time = requested == 0 ? view.headTimestamp : requested
            let amount = view.account.unfreezing.filter { $0.expireTime <= time }.reduce(0) { $0 + $1.amount }
            return amount > 0 ? ["amount": amount] : [:]
        }
        route("/wallet/getavailableunfreezecount") { body, _ in
            guard let view = chain.resourceView(of: try DevnetRequest.address(body["owner_address"])) else {
                return [:]
            }
            let waiting = view.account.unfreezing.filter { $0.expireTime > view.headTimestamp }.count
            return ["count": DevnetChain.maxPendingUnfreezes - waiting]
        }
        route("/wallet/estimateenergy") { body, _ in
            let estimate = try transferEstimate(chain: chain, body: body)
            switch estimate {
            case .refused(let json): return json
            case .energy(let total, _, let reverts):
                if reverts {
                    return [
                        "result": [
                            "code": "CONTRACT_EXE_ERROR", "message": Hex.encode(Array("REVERT opcode executed".utf8)),
                        ]
                    ]
                }
                return ["result": ["result": true], "energy_required": total] as [String: Any]
            }
        }
    }

    /// What a USDT `transfer(address,uint256)` in a constant call or estimate would take.
    enum TransferEstimate {
        case energy(total: Int64, penalty: Int64, reverts: Bool)
        case refused([String: Any])
    }

    static func transferEstimate(chain: DevnetChain, body: [String: Any]) throws -> TransferEstimate {
        let contract = try DevnetRequest.address(body["contract_address"])
        guard contract == chain.config.usdtContract else {
            return .refused([
                "result": [
                    "code": "CONTRACT_VALIDATE_ERROR",
                    "message": Hex.encode(Array("No contract or not a valid smart contract".utf8)),
                ]
            ])
        }
        let owner = try DevnetRequest.address(body["owner_address"])
        guard let call = TRC20.decodeTransfer(DevnetRequest.callData(body)) else {
            return .refused(["result": ["code": "OTHER_ERROR", "message": Hex.encode(Array("bad parameter".utf8))]])
        }
        let estimate = chain.estimateTransfer(owner: owner, to: call.to, amount: call.amount)
        return .energy(total: estimate.total, penalty: estimate.penalty, reverts: estimate.reverts)
    }

    private static func put(_ json: inout [String: Any], _ key: String, _ value: Int64) {
        if value != 0 { json[key] = value }
    }

    private static func net(_ view: DevnetChain.ResourceView, chain: DevnetChain) -> [String: Any] {
        var json: [String: Any] = [:]
        put(&json, "freeNetUsed", view.account.freeNet.used)
        put(&json, "freeNetLimit", chain.config.freeNetLimit)
        put(&json, "NetUsed", view.account.net.used)
        put(&json, "NetLimit", view.netLimit)
        put(&json, "TotalNetLimit", chain.config.totalNetLimit)
        put(&json, "TotalNetWeight", view.totalNetWeight)
        return json
    }

    private static func account(_ view: DevnetChain.ResourceView, visible: Bool) -> [String: Any] {
        let account = view.account
        let milliseconds = { (slot: Int64) in slot * ResourceWindow.slotMilliseconds }
        var json: [String: Any] = [
            "address": DevnetJSON.address(view.address.bytes, visible: visible), "create_time": 0,
        ]
        put(&json, "balance", view.balance)
        put(&json, "net_usage", account.net.used)
        put(&json, "free_net_usage", account.freeNet.used)
        if account.net.slot != 0 { json["latest_consume_time"] = milliseconds(account.net.slot) }
        if account.freeNet.slot != 0 { json["latest_consume_free_time"] = milliseconds(account.freeNet.slot) }
        var bandwidth: [String: Any] = [:]
        put(&bandwidth, "amount", account.frozenBandwidth)
        var energy: [String: Any] = ["type": "ENERGY"]
        put(&energy, "amount", account.frozenEnergy)
        json["frozenV2"] = [bandwidth, energy, ["type": "TRON_POWER"]]
        if !account.unfreezing.isEmpty {
            json["unfrozenV2"] = account.unfreezing.map { entry -> [String: Any] in
                var item: [String: Any] = [
                    "unfreeze_amount": entry.amount, "unfreeze_expire_time": entry.expireTime,
                ]
                if entry.resource == .energy { item["type"] = "ENERGY" }
                return item
            }
        }
        put(&json, "delegated_frozenV2_balance_for_bandwidth", account.delegatedBandwidth)
        put(&json, "acquired_delegated_frozenV2_balance_for_bandwidth", account.acquiredBandwidth)
        var resource: [String: Any] = [:]
        put(&resource, "energy_usage", account.energy.used)
        if account.energy.slot != 0 {
            resource["latest_consume_time_for_energy"] = milliseconds(account.energy.slot)
            resource["energy_window_size"] = ResourceWindow.size * 1_000
            resource["energy_window_optimized"] = true
        }
        put(&resource, "delegated_frozenV2_balance_for_energy", account.delegatedEnergy)
        put(&resource, "acquired_delegated_frozenV2_balance_for_energy", account.acquiredEnergy)
        if !resource.isEmpty { json["account_resource"] = resource }
        return json
    }
}
