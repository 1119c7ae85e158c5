import Foundation
import TronKit
import SwiftProtobuf
import TronProto

/// The node's JSON shapes (TRON.md §4): proto3 defaults omitted, bytes as hex, addresses as hex `41…` or base58
/// when `visible` is true.
enum DevnetJSON {
    static let transferTopic = "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"

    static func address(_ bytes: some Collection<UInt8>, visible: Bool) -> String {
        visible ? ((try? TronAddress(bytes: Array(bytes)))?.base58 ?? Hex.encode(bytes)) : Hex.encode(bytes)
    }

    static func block(_ block: DevnetChain.BlockView, visible: Bool) -> [String: Any] {
        var raw: [String: Any] = [
            "txTrieRoot": block.txTrieRoot, "witness_address": address(DevnetChain.witness.bytes, visible: visible),
            "parentHash": block.parentHash, "version": 30, "timestamp": block.timestamp,
        ]
        if block.number != 0 { raw["number"] = block.number }
        var json: [String: Any] = [
            "blockID": block.id,
            "block_header": ["raw_data": raw, "witness_signature": String(repeating: "00", count: 65)],
        ]
        if !block.transactions.isEmpty {
            json["transactions"] = block.transactions.map { transaction($0, visible: visible) }
        }
        return json
    }

    static func transaction(_ view: DevnetChain.TransactionView, visible: Bool) -> [String: Any] {
        var json = unsignedTransaction(
            view.signed.raw, rawBytes: view.signed.rawBytes, visible: visible, markVisible: false)
        json["signature"] = [Hex.encode(view.signed.signature)]
        if let receipt = view.receipt {
            json["ret"] = [["contractRet": receipt.contractResult ?? "SUCCESS"]]
        }
        return json
    }

    static func unsignedTransaction(
        _ raw: Protocol_Transaction.raw, rawBytes: [UInt8], visible: Bool, markVisible: Bool = true
    ) -> [String: Any] {
        var json: [String: Any] = [
            "txID": Hex.encode(TronTransaction.txid(rawBytes: rawBytes)), "raw_data": rawData(raw, visible: visible),
            "raw_data_hex": Hex.encode(rawBytes),
        ]
        if markVisible { json["visible"] = visible }
        return json
    }

    static func rawData(_ raw: Protocol_Transaction.raw, visible: Bool) -> [String: Any] {
        var json: [String: Any] = [
            "ref_block_bytes": Hex.encode(raw.refBlockBytes), "ref_block_hash": Hex.encode(raw.refBlockHash),
            "expiration": raw.expiration, "timestamp": raw.timestamp,
            "contract": raw.contract.map { contract(in: $0, visible: visible) },
        ]
        if raw.feeLimit != 0 { json["fee_limit"] = raw.feeLimit }
        if !raw.data.isEmpty { json["data"] = Hex.encode(raw.data) }
        return json
    }

    static func contract(in contract: Protocol_Transaction.Contract, visible: Bool) -> [String: Any] {
        var value: [String: Any] = [:]
        var type = "\(contract.type)"
        if let trigger = try? Protocol_TriggerSmartContract(unpackingAny: contract.parameter) {
            type = "TriggerSmartContract"
            value["owner_address"] = address(trigger.ownerAddress, visible: visible)
            value["contract_address"] = address(trigger.contractAddress, visible: visible)
            if !trigger.data.isEmpty { value["data"] = Hex.encode(trigger.data) }
            if trigger.callValue != 0 { value["call_value"] = trigger.callValue }
        } else if let transfer = try? Protocol_TransferContract(unpackingAny: contract.parameter) {
            type = "TransferContract"
            value["owner_address"] = address(transfer.ownerAddress, visible: visible)
            value["to_address"] = address(transfer.toAddress, visible: visible)
            if transfer.amount != 0 { value["amount"] = transfer.amount }
        } else if let stake = DevnetChain.StakeContract(contract) {
            (type, value) = stakeContract(stake, visible: visible)
        }
        return ["parameter": ["value": value, "type_url": contract.parameter.typeURL], "type": type]
    }

    /// A Stake 2.0 contract's type name and value, as java-tron's JsonFormat prints them (zero values, a false
    /// `lock` and the BANDWIDTH resource, enum value 0, left out).
    static func stakeContract(_ stake: DevnetChain.StakeContract, visible: Bool) -> (String, [String: Any]) {
        var value: [String: Any] = ["owner_address": address(stake.ownerAddress, visible: visible)]
        func put(_ key: String, _ number: Int64) { if number != 0 { value[key] = number } }
        func put(resource: Protocol_ResourceCode) {
            if resource != .bandwidth { value["resource"] = TronResource(code: resource)?.rawValue ?? "TRON_POWER" }
        }
        switch stake {
        case .freeze(let freeze):
            put("frozen_balance", freeze.frozenBalance)
            put(resource: freeze.resource)
            return ("FreezeBalanceV2Contract", value)
        case .unfreeze(let unfreeze):
            put("unfreeze_balance", unfreeze.unfreezeBalance)
            put(resource: unfreeze.resource)
            return ("UnfreezeBalanceV2Contract", value)
        case .withdraw:
            return ("WithdrawExpireUnfreezeContract", value)
        case .delegate(let delegate):
            put(resource: delegate.resource)
            put("balance", delegate.balance)
            value["receiver_address"] = address(delegate.receiverAddress, visible: visible)
            if delegate.lock { value["lock"] = true }
            put("lock_period", delegate.lockPeriod)
            return ("DelegateResourceContract", value)
        case .undelegate(let undelegate):
            put(resource: undelegate.resource)
            put("balance", undelegate.balance)
            value["receiver_address"] = address(undelegate.receiverAddress, visible: visible)
            return ("UnDelegateResourceContract", value)
        }
    }

    static func info(_ view: DevnetChain.TransactionView, usdt: TronAddress, visible: Bool) -> [String: Any] {
        guard let receipt = view.receipt, let number = view.blockNumber else { return [:] }
        var json: [String: Any] = ["id": view.txid, "blockNumber": number, "blockTimeStamp": receipt.blockTimestamp]
        if receipt.fee != 0 { json["fee"] = receipt.fee }
        var receiptJSON: [String: Any] = [:]
        if receipt.energyUsage != 0 { receiptJSON["energy_usage_total"] = receipt.energyUsage }
        if let fromStake = receipt.energyFromStake, fromStake != 0 { receiptJSON["energy_usage"] = fromStake }
        if let penalty = receipt.energyPenalty, penalty != 0 { receiptJSON["energy_penalty_total"] = penalty }
        if receipt.energyFee != 0 { receiptJSON["energy_fee"] = receipt.energyFee }
        if let withdrawn = receipt.withdrawExpireAmount { json["withdraw_expire_amount"] = withdrawn }
        if receipt.netFee != 0 {
            receiptJSON["net_fee"] = receipt.netFee
        } else {
            receiptJSON["net_usage"] = receipt.netUsage
        }
        if let result = receipt.contractResult {
            receiptJSON["result"] = result
            json["contract_address"] = address(usdt.bytes, visible: visible)
            json["contractResult"] = [result == "SUCCESS" ? String(repeating: "0", count: 63) + "1" : ""]
        }
        json["receipt"] = receiptJSON
        if receipt.failed {
            json["result"] = "FAILED"
            let message = receipt.contractResult == "REVERT" ? "REVERT opcode executed" : "Not enough energy"
            json["resMessage"] = visible ? message : Hex.encode(Array(message.utf8))
        }
        if let log = receipt.transferLog {
            let word = { (hex: String) in String(repeating: "0", count: 24) + hex.dropFirst(2) }
            json["log"] = [
                [
                    "address": visible ? usdt.base58 : Hex.encode(usdt.bytes.dropFirst()),
                    "topics": [transferTopic, word(log.from), word(log.to)],
                    "data": Hex.encode(TRC20.word(amount: log.amount)),
                ]
            ]
        }
        return json
    }

    /// The USDT ABI entries tronpy needs from getcontract.
    static var usdtABI: [[String: Any]] {
        [
            function(
                "transfer", inputs: [("_to", "address"), ("_value", "uint256")], outputs: ["bool"],
                mutability: "Nonpayable"),
            function("balanceOf", inputs: [("who", "address")], outputs: ["uint256"], mutability: "View"),
            function("decimals", inputs: [], outputs: ["uint8"], mutability: "View"),
            function("name", inputs: [], outputs: ["string"], mutability: "View"),
            function("symbol", inputs: [], outputs: ["string"], mutability: "View"),
            function("totalSupply", inputs: [], outputs: ["uint256"], mutability: "View"),
            [
                "anonymous": false, "name": "Transfer", "type": "Event",
                "inputs": [
                    ["indexed": true, "name": "from", "type": "address"],
                    ["indexed": true, "name": "to", "type": "address"],
                    ["name": "value", "type": "uint256"],
                ],
            ],
        ]
    }

    static func function(_ name: String, inputs: [(String, String)], outputs: [String], mutability: String) -> [String:
        Any]
    {
        var entry: [String: Any] = [
            "name": name, "type": "Function", "stateMutability": mutability,
            "outputs": outputs.map { ["name": "", "type": $0] },
        ]
        if !inputs.isEmpty { entry["inputs"] = inputs.map { ["name": $0.0, "type": $0.1] } }
        if mutability == "View" { entry["constant"] = true }
        return entry
    }

    static func encode(_ object: Any) -> String {
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

/// Reading transactions and addresses from request JSON, as java-tron's JsonFormat does for our subset.
enum DevnetRequest {
    struct Malformed: Error { var message: String }

    static func address(_ value: Any?) throws -> TronAddress {
        guard let text = value as? String, !text.isEmpty else { throw Malformed(message: "address is missing") }
        if text.hasPrefix("T"), let address = try? TronAddress(base58: text) { return address }
        guard let bytes = Hex.decode(text), let address = try? TronAddress(bytes: bytes) else {
            throw Malformed(message: "INVALID address \(text)")
        }
        return address
    }

    static func int64(_ value: Any?) -> Int64 {
        if let number = value as? NSNumber { return number.int64Value }
        if let text = value as? String { return Int64(text) ?? 0 }
        return 0
    }

    static func bytes(_ value: Any?) -> [UInt8] { (value as? String).flatMap { Hex.decode($0) } ?? [] }

    /// A contract call's data as java-tron's trigger endpoints take it: the selector's 4 Keccak bytes and
    /// `parameter` when `function_selector` is given, else `data` verbatim.
    static func callData(_ body: [String: Any]) -> [UInt8] {
        guard let selector = body["function_selector"] as? String, !selector.isEmpty else { return bytes(body["data"]) }
        return Array(Keccak256.hash(Array(selector.utf8)).prefix(4)) + bytes(body["parameter"])
    }

    static let stakeTypes: [String: Protocol_Transaction.Contract.ContractType] = [
        "FreezeBalanceV2Contract": .freezeBalanceV2Contract, "UnfreezeBalanceV2Contract": .unfreezeBalanceV2Contract,
        "WithdrawExpireUnfreezeContract": .withdrawExpireUnfreezeContract,
        "DelegateResourceContract": .delegateResourceContract,
        "UnDelegateResourceContract": .unDelegateResourceContract,
    ]

    /// A resource given as its name ("ENERGY") or number (1); absent is BANDWIDTH, proto3's default.
    static func resource(_ value: Any?) throws -> Protocol_ResourceCode {
        switch value {
        case nil: return .bandwidth
        case let name as String:
            if let number = Int(name), let code = Protocol_ResourceCode(rawValue: number) { return code }
            switch name {
            case "BANDWIDTH": return .bandwidth
            case "ENERGY": return .energy
            case "TRON_POWER": return .tronPower
            default: throw Malformed(message: "resource: unknown ResourceCode \(name)")
            }
        case let number as NSNumber:
            guard let code = Protocol_ResourceCode(rawValue: number.intValue) else {
                throw Malformed(message: "resource: unknown ResourceCode \(number)")
            }
            return code
        default:
            throw Malformed(message: "resource: not a ResourceCode")
        }
    }

    static func bool(_ value: Any?) -> Bool {
        if let flag = value as? Bool { return flag }
        return (value as? String) == "true"
    }

    /// The Any parameter of a Stake 2.0 contract from its JSON value.
    static func stakeParameter(_ type: String, _ value: [String: Any]) throws -> Google_Protobuf_Any {
        let owner = Data(try address(value["owner_address"]).bytes)
        let message: any SwiftProtobuf.Message
        switch type {
        case "FreezeBalanceV2Contract":
            message = try Protocol_FreezeBalanceV2Contract.with {
                $0.ownerAddress = owner
                $0.frozenBalance = int64(value["frozen_balance"])
                $0.resource = try resource(value["resource"])
            }
        case "UnfreezeBalanceV2Contract":
            message = try Protocol_UnfreezeBalanceV2Contract.with {
                $0.ownerAddress = owner
                $0.unfreezeBalance = int64(value["unfreeze_balance"])
                $0.resource = try resource(value["resource"])
            }
        case "WithdrawExpireUnfreezeContract":
            message = Protocol_WithdrawExpireUnfreezeContract.with { $0.ownerAddress = owner }
        case "DelegateResourceContract":
            message = try Protocol_DelegateResourceContract.with {
                $0.ownerAddress = owner
                $0.resource = try resource(value["resource"])
                $0.balance = int64(value["balance"])
                $0.receiverAddress = Data(try address(value["receiver_address"]).bytes)
                $0.lock = bool(value["lock"])
                $0.lockPeriod = int64(value["lock_period"])
            }
        default:
            message = try Protocol_UnDelegateResourceContract.with {
                $0.ownerAddress = owner
                $0.resource = try resource(value["resource"])
                $0.balance = int64(value["balance"])
                $0.receiverAddress = Data(try address(value["receiver_address"]).bytes)
            }
        }
        return try Google_Protobuf_Any(message: message, typePrefix: "type.googleapis.com")
    }

    /// Rebuilds Transaction.raw from its JSON (the node ignores `txID` and `raw_data_hex` and recomputes them).
    static func raw(_ json: [String: Any]) throws -> Protocol_Transaction.raw {
        var raw = Protocol_Transaction.raw()
        raw.refBlockBytes = Data(bytes(json["ref_block_bytes"]))
        raw.refBlockHash = Data(bytes(json["ref_block_hash"]))
        raw.expiration = int64(json["expiration"])
        raw.timestamp = int64(json["timestamp"])
        raw.feeLimit = int64(json["fee_limit"])
        raw.data = Data(bytes(json["data"]))
        for entry in json["contract"] as? [[String: Any]] ?? [] {
            let parameter = entry["parameter"] as? [String: Any] ?? [:]
            let value = parameter["value"] as? [String: Any] ?? [:]
            var contract = Protocol_Transaction.Contract()
            switch entry["type"] as? String {
            case "TriggerSmartContract":
                contract.type = .triggerSmartContract
                let trigger = try Protocol_TriggerSmartContract.with {
                    $0.ownerAddress = Data(try address(value["owner_address"]).bytes)
                    $0.contractAddress = Data(try address(value["contract_address"]).bytes)
                    $0.data = Data(bytes(value["data"]))
                    $0.callValue = int64(value["call_value"])
                    $0.callTokenValue = int64(value["call_token_value"])
                    $0.tokenID = int64(value["token_id"])
                }
                contract.parameter = try Google_Protobuf_Any(message: trigger, typePrefix: "type.googleapis.com")
            case "TransferContract":
                contract.type = .transferContract
                let transfer = try Protocol_TransferContract.with {
                    $0.ownerAddress = Data(try address(value["owner_address"]).bytes)
                    $0.toAddress = Data(try address(value["to_address"]).bytes)
                    $0.amount = int64(value["amount"])
                }
                contract.parameter = try Google_Protobuf_Any(message: transfer, typePrefix: "type.googleapis.com")
            case let name? where stakeTypes[name] != nil:
                contract.type = stakeTypes[name]!
                contract.parameter = try stakeParameter(name, value)
            default:
                continue  // an unparseable contract is dropped, as java-tron does (→ "No contract!")
            }
            raw.contract.append(contract)
        }
        return raw
    }
}
