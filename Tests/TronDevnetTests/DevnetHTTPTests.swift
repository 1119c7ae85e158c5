import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TronDevnet
import TronKit

/// POSTs `text` as the body and decodes the JSON object answered, with the HTTP status.
func postText(_ view: DevnetView, _ path: String, _ text: String) async throws -> (UInt, [String: Any]) {
    let app = Application(router: DevnetHTTP.router(view: view))
    return try await app.test(.router) { client in
        try await client.execute(uri: path, method: .post, body: ByteBuffer(string: text)) { response in
            let json = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
            return (UInt(response.status.code), json ?? [:])
        }
    }
}

@Suite("Devnet HTTP handlers in process")
struct DevnetHTTPTests {
    @Test("broadcasthex: accepted, pending until a block, then found by every lookup once solid")
    func broadcastThenLookups() async throws {
        let devnet = try DevnetFixture(solidLag: 2)
        let view = DevnetView(chain: devnet.chain)
        let signed = try devnet.transfer(amount: 1_234)
        let reply = try await post(view, "/wallet/broadcasthex", ["transaction": Hex.encode(signed.transactionBytes)])
        #expect(reply["result"] as? Bool == true && reply["code"] as? String == "SUCCESS")
        #expect(reply["txid"] as? String == signed.txidHex)
        for path in lookupPaths {
            #expect(try await post(view, path, ["value": signed.txidHex]).isEmpty, "\(path) before any block")
        }
        _ = try await post(view, "/admin/produce")
        let info = try await post(view, "/wallet/gettransactioninfobyid", ["value": signed.txidHex])
        #expect(info["id"] as? String == signed.txidHex && info["blockNumber"] as? Int == 1)
        #expect((info["receipt"] as? [String: Any])?["result"] as? String == "SUCCESS")
        #expect(try await post(view, "/walletsolidity/gettransactioninfobyid", ["value": signed.txidHex]).isEmpty)
        _ = try await post(view, "/admin/produce", ["count": 2])
        for path in lookupPaths {
            #expect(try await post(view, path, ["value": signed.txidHex]).isEmpty == false, "\(path) once solid")
        }
        let byID = try await post(view, "/walletsolidity/gettransactionbyid", ["value": signed.txidHex])
        #expect(byID["txID"] as? String == signed.txidHex)
        let balance = try await post(view, "/admin/balance", ["address": DevnetFixture.recipient.base58])
        #expect(balance["usdt_units"] as? Int == 1_234)
    }

    @Test("lookups accept GET-style ?value= as well as a JSON body")
    func queryParameter() async throws {
        let devnet = try DevnetFixture(solidLag: 0)
        let view = DevnetView(chain: devnet.chain)
        let signed = try devnet.transfer(amount: 5)
        #expect(view.broadcast(signed).accepted)
        try devnet.produce(1)
        let (status, info) = try await postText(view, "/wallet/gettransactioninfobyid?value=\(signed.txidHex)", "")
        #expect(status == 200 && info["id"] as? String == signed.txidHex)
    }

    @Test("/admin/produce makes count blocks (at least one) and answers head and solid")
    func produce() async throws {
        let devnet = try DevnetFixture(solidLag: 2)
        let view = DevnetView(chain: devnet.chain)
        let once = try await post(view, "/admin/produce")
        #expect(once["head"] as? Int == 1 && once["solid"] as? Int == 0)
        let five = try await post(view, "/admin/produce", ["count": 5])
        #expect(five["head"] as? Int == 6 && five["solid"] as? Int == 4)
        #expect(try await post(view, "/admin/produce", ["count": 0])["head"] as? Int == 7)
        let head = try await post(view, "/wallet/getnowblock")
        #expect(
            (head["block_header"] as? [String: Any]).flatMap { ($0["raw_data"] as? [String: Any])?["number"] } as? Int
                == 7)
        let solid = try await post(view, "/walletsolidity/getnowblock")
        #expect(
            (solid["block_header"] as? [String: Any]).flatMap { ($0["raw_data"] as? [String: Any])?["number"] } as? Int
                == 5)
        let info = try await post(view, "/wallet/getnodeinfo")
        #expect((info["block"] as? String)?.hasPrefix("Num:7,ID:") == true)
        #expect((info["solidityBlock"] as? String)?.hasPrefix("Num:5,ID:") == true)
    }

    @Test("/admin/faults: an empty body reads the profile, a body replaces it (omitted keys take defaults)")
    func faults() async throws {
        let devnet = try DevnetFixture()
        let view = DevnetView(chain: devnet.chain)
        let set = try await post(
            view, "/admin/faults", ["drop_broadcast_rate": 1, "refuse_rebroadcast_code": "SIGERROR"])
        #expect(set["drop_broadcast_rate"] as? Double == 1 && set["refuse_rebroadcast_code"] as? String == "SIGERROR")
        #expect(view.faults.current.dropBroadcastRate == 1)
        let replaced = try await post(view, "/admin/faults", ["inclusion_delay_blocks": 3])
        #expect(replaced["drop_broadcast_rate"] as? Double == 0 && replaced["inclusion_delay_blocks"] as? Int == 3)
        #expect(try await post(view, "/admin/faults")["inclusion_delay_blocks"] as? Int == 3)
        let refused = try await post(view, "/admin/faults", ["lag_blocks": -1])
        #expect((refused["Error"] as? String)?.contains("lag_blocks") == true)
        #expect(view.faults.current.inclusionDelayBlocks == 3, "a refused profile changes nothing")
    }

    @Test("an http_error_rate of 1 answers 503 on the node API, never on /admin")
    func injected503() async throws {
        let devnet = try DevnetFixture()
        var faults = DevnetFaults()
        faults.httpErrorRate = 1
        let view = DevnetView(chain: devnet.chain, faults: DevnetFaultProfile(faults))
        let app = Application(router: DevnetHTTP.router(view: view))
        try await app.test(.router) { client in
            try await client.execute(uri: "/wallet/getnowblock", method: .post) { response in
                #expect(response.status == .serviceUnavailable)
            }
            try await client.execute(uri: "/admin/stats", method: .post) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test(
        "a body that is not a JSON object is answered with java-tron's Error shape, HTTP 200",
        arguments: ["{", "[1, 2]", "not json", "\"text\""])
    func badJSON(body: String) async throws {
        let devnet = try DevnetFixture()
        let view = DevnetView(chain: devnet.chain)
        for path in ["/wallet/broadcasthex", "/wallet/gettransactioninfobyid", "/admin/faults", "/admin/mint"] {
            let (status, json) = try await postText(view, path, body)
            #expect(status == 200, "\(path)")
            #expect((json["Error"] as? String)?.contains("JSONException") == true, "\(path): \(json)")
        }
        #expect(view.faults.current == DevnetFaults())
    }

    @Test("broadcasthex of bytes that are no transaction, and lookups of malformed input, answer an Error")
    func malformed() async throws {
        let devnet = try DevnetFixture()
        let view = DevnetView(chain: devnet.chain)
        for hex in ["zz", "00ff", "0a"] {
            let reply = try await post(view, "/wallet/broadcasthex", ["transaction": hex])
            #expect((reply["Error"] as? String)?.contains("InvalidProtocolBufferException") == true)
        }
        #expect(try await post(view, "/wallet/broadcasthex")["Error"] != nil)
        #expect(try await post(view, "/wallet/getaccount", ["address": "not-an-address"])["Error"] != nil)
        #expect(try await post(view, "/admin/mint", ["address": 5])["Error"] != nil)
        #expect(try await post(view, "/wallet/gettransactioninfobyid", ["value": "ab"]).isEmpty)
    }

    @Test("/admin/mint credits an account; getaccount then shows its TRX, an unknown account is {}")
    func mint() async throws {
        let devnet = try DevnetFixture()
        let view = DevnetView(chain: devnet.chain)
        let someone = TronPrivateKey.generate().address
        #expect(try await post(view, "/wallet/getaccount", ["address": someone.base58, "visible": true]).isEmpty)
        let minted = try await post(view, "/admin/mint", ["address": someone.base58, "trx_sun": 7, "usdt_units": 9])
        #expect(minted["trx_sun"] as? Int == 7 && minted["usdt_units"] as? Int == 9)
        let account = try await post(view, "/wallet/getaccount", ["address": someone.base58, "visible": true])
        #expect(account["balance"] as? Int == 7 && account["address"] as? String == someone.base58)
    }
}
