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
        }
        return ["parameter": ["value": value, "type_url": contract.parameter.typeURL], "type": type]
    }

    static func info(_ view: DevnetChain.TransactionView, usdt: TronAddress, visible: Bool) -> [String: Any] {
        guard let receipt = view.receipt, let number = view.blockNumber else { return [:] }
        var json: [String: Any] = ["id": view.txid, "blockNumber": number, "blockTimeStamp": receipt.blockTimestamp]
        if receipt.fee != 0 { json["fee"] = receipt.fee }
        var receiptJSON: [String: Any] = [:]
        if receipt.energyUsage != 0 { receiptJSON["energy_usage_total"] = receipt.energyUsage }
        if receipt.energyFee != 0 { receiptJSON["energy_fee"] = receipt.energyFee }
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
            default:
                continue  // an unparseable contract is dropped, as java-tron does (→ "No contract!")
            }
            raw.contract.append(contract)
        }
        return raw
    }
}
