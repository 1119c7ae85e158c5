import Foundation
import Hummingbird
import Logging
import TronKit
import SwiftProtobuf
import TronProto

/// The node's HTTP API (the endpoints payment-rpc and tronpy use) plus a small admin API.
public enum DevnetHTTP {
    typealias Handler = @Sendable (_ body: [String: Any], _ visible: Bool) async throws -> Any

    /// The main listener's router.
    public static func router(chain: DevnetChain) -> Hummingbird.Router<BasicRequestContext> {
        router(view: DevnetView(chain: chain))
    }

    /// A listener's router: lookups, blocks, broadcasts and `/admin/faults` go through `view` (its fault profile);
    /// the other admin endpoints act on the shared chain.
    public static func router(view: DevnetView) -> Hummingbird.Router<BasicRequestContext> {
        let chain = view.chain
        let router = Hummingbird.Router()
        func route(_ path: String, faults: Bool = true, _ handler: @escaping Handler) {
            let responder: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, context in
                if faults, let injected = try await inject(view.faults.current) { return injected }
                var body: [String: Any] = [:]
                let buffer = try await request.body.collect(upTo: 4 << 20)
                if buffer.readableBytes > 0 {
                    guard
                        let object = try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))
                            as? [String: Any]
                    else {
                        return json(["Error": "class org.tron.json.JSONException : invalid JSON body"])
                    }
                    body = object
                }
                for (key, value) in request.uri.queryParameters {
                    body[String(key)] = body[String(key)] ?? String(value)
                }
                let visible = (body["visible"] as? Bool) ?? ((body["visible"] as? String) == "true")
                do {
                    return json(try await handler(body, visible))
                } catch let error as DevnetRequest.Malformed {
                    return json(["Error": "class java.lang.IllegalArgumentException : \(error.message)"])
                } catch {
                    return json(["Error": "class java.lang.Exception : \(error)"])
                }
            }
            router.post(RouterPath(path), use: responder)
            router.get(RouterPath(path), use: responder)
        }

        route("/wallet/getnowblock") { _, visible in DevnetJSON.block(view.head(), visible: visible) }
        route("/walletsolidity/getnowblock") { _, visible in DevnetJSON.block(view.solid(), visible: visible) }
        route("/wallet/getblockbynum") { body, visible in
            view.block(number: DevnetRequest.int64(body["num"])).map { DevnetJSON.block($0, visible: visible) } ?? [:]
        }
        route("/wallet/getnodeinfo") { _, _ in
            let head = view.head()
            let solid = view.solid()
            return [
                "block": "Num:\(head.number),ID:\(head.id)", "solidityBlock": "Num:\(solid.number),ID:\(solid.id)",
                "beginSyncNum": head.number, "activeConnectCount": 0, "currentConnectCount": 0,
                "passiveConnectCount": 0,
                "configNodeInfo": ["codeVersion": "devnet", "versionNum": "1"], "machineInfo": ["cpuCount": 2],
            ] as [String: Any]
        }
        route("/wallet/broadcasthex") { body, _ in
            guard let bytes = (body["transaction"] as? String).flatMap(Hex.decode),
                let signed = try? SignedTronTransaction(transactionBytes: bytes)
            else {
                return ["Error": "class com.google.protobuf.InvalidProtocolBufferException : invalid transaction hex"]
            }
            let outcome = view.broadcast(signed)
            return [
                "result": outcome.accepted, "code": outcome.code ?? "SUCCESS", "message": outcome.message,
                "transaction": DevnetJSON.encode(
                    DevnetJSON.unsignedTransaction(signed.raw, rawBytes: signed.rawBytes, visible: true)),
                "txid": outcome.txid,
            ] as [String: Any]
        }
        route("/wallet/broadcasttransaction") { body, visible in
            guard let rawJSON = body["raw_data"] as? [String: Any] else {
                return ["Error": "class java.lang.NullPointerException : null"]
            }
            let raw = try DevnetRequest.raw(rawJSON)
            let rawBytes = try TronTransaction.serialize(raw)
            let signature = (body["signature"] as? [String])?.first.flatMap(Hex.decode) ?? []
            let signed = SignedTronTransaction(
                rawBytes: rawBytes, raw: raw, txid: TronTransaction.txid(rawBytes: rawBytes), signature: signature)
            let outcome = view.broadcast(signed)
            if outcome.accepted { return ["result": true, "txid": outcome.txid] as [String: Any] }
            return [
                "code": outcome.code!, "message": visible ? outcome.message : Hex.encode(Array(outcome.message.utf8)),
                "txid": outcome.txid,
            ]
        }
        route("/wallet/gettransactionbyid") { body, visible in
            view.transaction(id: body["value"] as? String ?? "").map { DevnetJSON.transaction($0, visible: visible) }
                ?? [:]
        }
        route("/walletsolidity/gettransactionbyid") { body, visible in
            view.transaction(id: body["value"] as? String ?? "", solidOnly: true).map {
                DevnetJSON.transaction($0, visible: visible)
            } ?? [:]
        }
        route("/wallet/gettransactioninfobyid") { body, visible in
            view.transaction(id: body["value"] as? String ?? "").map {
                DevnetJSON.info($0, usdt: chain.config.usdtContract, visible: visible)
            } ?? [:]
        }
        route("/walletsolidity/gettransactioninfobyid") { body, visible in
            view.transaction(id: body["value"] as? String ?? "", solidOnly: true).map {
                DevnetJSON.info($0, usdt: chain.config.usdtContract, visible: visible)
            } ?? [:]
        }
        resourceRoutes(chain: chain) { path, handler in route(path, handler) }
        route("/wallet/triggerconstantcontract") { body, _ in try constantCall(chain: chain, body: body) }
        route("/walletsolidity/triggerconstantcontract") { body, _ in try constantCall(chain: chain, body: body) }
        route("/wallet/triggersmartcontract") { body, visible in
            try buildTrigger(chain: chain, body: body, visible: visible)
        }
        route("/wallet/getcontract") { body, visible in
            let address = try DevnetRequest.address(body["value"])
            guard address == chain.config.usdtContract else { return [:] }
            return [
                "bytecode": "", "name": "TetherToken", "consume_user_resource_percent": 100,
                "origin_energy_limit": 10_000_000,
                "origin_address": DevnetJSON.address(DevnetChain.witness.bytes, visible: visible),
                "contract_address": DevnetJSON.address(address.bytes, visible: visible),
                "abi": ["entrys": DevnetJSON.usdtABI],
            ] as [String: Any]
        }
        route("/wallet/getsignweight") { body, visible in
            let raw = try DevnetRequest.raw(body["raw_data"] as? [String: Any] ?? [:])
            let rawBytes = try TronTransaction.serialize(raw)
            let unsigned = DevnetJSON.unsignedTransaction(raw, rawBytes: rawBytes, visible: visible)
            guard let contract = raw.contract.first, let owner = DevnetChain.owner(of: contract),
                chain.balances(of: owner).exists
            else {
                return [
                    "result": ["code": "PERMISSION_ERROR", "message": "Account does not exist!"],
                    "transaction": ["result": ["result": true], "txid": unsigned["txID"]!, "transaction": unsigned],
                ]
            }
            return [
                "permission": [
                    "type": "Owner", "permission_name": "owner", "threshold": 1,
                    "keys": [["address": owner.hex, "weight": 1]],
                ],
                "result": ["code": "NOT_ENOUGH_PERMISSION"],
                "transaction": ["result": ["result": true], "txid": unsigned["txID"]!, "transaction": unsigned],
            ] as [String: Any]
        }

        // Admin: mint, produce blocks now, this listener's faults and broadcast counts, balances, USDT transfers.
        route("/admin/mint", faults: false) { body, _ in
            let address = try DevnetRequest.address(body["address"])
            try chain.mint(
                address, trxSun: DevnetRequest.int64(body["trx_sun"]),
                usdtUnits: DevnetRequest.int64(body["usdt_units"]))
            let balances = chain.balances(of: address)
            return ["address": address.base58, "trx_sun": balances.trx, "usdt_units": balances.usdt] as [String: Any]
        }
        route("/admin/produce", faults: false) { body, _ in
            let count = max(1, DevnetRequest.int64(body["count"]))
            var number: Int64 = 0
            for _ in 0..<count { number = try chain.produceBlock() }
            return ["head": number, "solid": chain.solidNumber] as [String: Any]
        }
        route("/admin/faults", faults: false) { body, _ in
            if !body.isEmpty {
                let data = try JSONSerialization.data(withJSONObject: body)
                do {
                    view.faults.set(try JSONDecoder().decode(DevnetFaults.self, from: data))
                } catch let error as DecodingError {
                    throw DevnetRequest.Malformed(message: "faults: \(Self.describe(error))")
                }
            }
            let data = try JSONEncoder().encode(view.faults.current)
            return try JSONSerialization.jsonObject(with: data)
        }
        route("/admin/balance", faults: false) { body, _ in
            let address = try DevnetRequest.address(body["address"])
            let balances = chain.balances(of: address)
            return ["address": address.base58, "trx_sun": balances.trx, "usdt_units": balances.usdt] as [String: Any]
        }
        route("/admin/stats", faults: false) { _, _ in
            ["broadcasts": view.broadcastCounts, "head": chain.headNumber, "solid": chain.solidNumber] as [String: Any]
        }
        route("/admin/transfers", faults: false) { body, _ in
            let recipient = try body["to"].map { try DevnetRequest.address($0) }
            let transfers = chain.usdtTransfers(to: recipient).map { transfer in
                [
                    "txid": transfer.txid, "block": transfer.blockNumber, "from": transfer.from.base58,
                    "to": transfer.to.base58, "amount_units": transfer.amountUnits,
                ] as [String: Any]
            }
            return ["transfers": transfers]
        }
        return router
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context), .typeMismatch(_, let context), .valueNotFound(_, let context),
            .keyNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    static func json(_ object: Any) -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: DevnetJSON.encode(object) + "\n")))
    }

    /// 5xx and slow answers, by the configured shares.
    static func inject(_ faults: DevnetFaults) async throws -> Response? {
        if faults.httpErrorRate > 0, Double.random(in: 0..<1) < faults.httpErrorRate {
            return Response(
                status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "injected fault\n")))
        }
        if faults.timeoutRate > 0, Double.random(in: 0..<1) < faults.timeoutRate {
            try await Task.sleep(for: .milliseconds(Int(faults.timeoutSeconds * 1000)))
        }
        return nil
    }

    static func constantCall(chain: DevnetChain, body: [String: Any]) throws -> Any {
        let contract = try DevnetRequest.address(body["contract_address"])
        guard contract == chain.config.usdtContract else {
            return [
                "result": [
                    "code": "CONTRACT_VALIDATE_ERROR",
                    "message": Hex.encode(Array("No contract or not a valid smart contract".utf8)),
                ]
            ]
        }
        let selector = body["function_selector"] as? String ?? ""
        let parameter = DevnetRequest.bytes(body["parameter"])
        let result: [UInt8]
        switch selector {
        case "balanceOf(address)":
            guard parameter.count == 32, let owner = try? TronAddress(bytes: [0x41] + parameter[12..<32]) else {
                return ["result": ["code": "OTHER_ERROR", "message": Hex.encode(Array("bad parameter".utf8))]]
            }
            result = TRC20.word(amount: chain.balances(of: owner).usdt)
        case "decimals()":
            result = TRC20.word(amount: 6)
        case "transfer(address,uint256)":
            switch try transferEstimate(chain: chain, body: body) {
            case .refused(let json):
                return json
            case .energy(let total, let penalty, let reverts):
                if reverts {
                    return [
                        "result": ["result": true, "message": Hex.encode(Array("REVERT opcode executed".utf8))],
                        "energy_used": total, "constant_result": [""],
                    ] as [String: Any]
                }
                // energy_used includes the penalty, as a receipt's energy_usage_total does.
                return [
                    "result": ["result": true], "energy_used": total, "energy_penalty": penalty,
                    "constant_result": [Hex.encode(TRC20.word(amount: 1))],
                ] as [String: Any]
            }
        default:
            return [
                "result": ["result": true, "message": Hex.encode(Array("REVERT opcode executed".utf8))],
                "constant_result": [""],
            ]
        }
        return ["result": ["result": true], "energy_used": 935, "constant_result": [Hex.encode(result)]]
            as [String: Any]
    }

    /// Builds an unsigned USDT transfer the way java-tron's builder does: solid reference block, head + 60 s.
    static func buildTrigger(chain: DevnetChain, body: [String: Any], visible: Bool) throws -> Any {
        let owner = try DevnetRequest.address(body["owner_address"])
        let contract = try DevnetRequest.address(body["contract_address"])
        let data = DevnetRequest.callData(body)
        guard contract == chain.config.usdtContract else {
            return [
                "result": [
                    "code": "CONTRACT_VALIDATE_ERROR",
                    "message": Hex.encode(Array("No contract or not a valid smart contract".utf8)),
                ]
            ]
        }
        let head = chain.head()
        let reference = try ReferenceBlock(blockID: Hex.decode(chain.solid().id)!)
        var raw = Protocol_Transaction.raw.with {
            $0.refBlockBytes = Data(reference.bytes)
            $0.refBlockHash = Data(reference.hash)
            $0.expiration = head.timestamp + 60_000
            $0.timestamp = Date().milliseconds
            $0.feeLimit = DevnetRequest.int64(body["fee_limit"])
        }
        var entry = Protocol_Transaction.Contract()
        entry.type = .triggerSmartContract
        entry.parameter = try Google_Protobuf_Any(
            message: Protocol_TriggerSmartContract.with {
                $0.ownerAddress = Data(owner.bytes)
                $0.contractAddress = Data(contract.bytes)
                $0.data = Data(data)
            }, typePrefix: "type.googleapis.com")
        raw.contract = [entry]
        let rawBytes = try TronTransaction.serialize(raw)
        return [
            "result": ["result": true],
            "transaction": DevnetJSON.unsignedTransaction(raw, rawBytes: rawBytes, visible: visible),
        ] as [String: Any]
    }
}
