import Foundation
import Testing
import TronKit
import TronNode

/// A signed transaction to broadcast (its bytes are never checked by the fake node).
let sample: SignedTronTransaction = {
    let key = try! TronPrivateKey(hex: String(repeating: "11", count: 32))
    let raw = try! TronTransaction.trc20Transfer(
        owner: key.address, to: key.address, amount: 1, contract: TronNetwork.mainnet.usdtContract,
        reference: try! ReferenceBlock(blockID: [UInt8](repeating: 7, count: 32)), timestamp: 1_000,
        expiration: 61_000, feeLimit: 1_000_000)
    return try! TronTransaction.sign(rawBytes: try! TronTransaction.serialize(raw), with: key)
}()

let blockJSON = """
    {"blockID":"0000000000000c0a\(String(repeating: "ab", count: 24))","block_header":{"raw_data":\
    {"number":3082,"timestamp":1700000000000,"witness_address":"41\(String(repeating: "00", count: 20))"}}}
    """

@Suite("TronNodeClient against a fake node: real shapes")
struct TronNodeShapeTests {
    @Test("getnowblock on both prefixes: number, id and timestamp of the real shape")
    func blocks() async throws {
        try await withFakeNode([
            "/wallet/getnowblock": [.json(blockJSON)], "/walletsolidity/getnowblock": [.json(blockJSON)],
        ]) {
            client, script throws in
            let head = try await client.nowBlock()
            #expect(head.number == 3082 && head.timestamp == 1_700_000_000_000 && head.id.count == 32)
            #expect(try await client.solidBlock() == head)
            #expect(await script.requests.map(\.path) == ["/wallet/getnowblock", "/walletsolidity/getnowblock"])
        }
    }

    @Test("broadcast: result true is accepted, with the node's txid")
    func broadcastAccepted() async throws {
        let answer = "{\"result\":true,\"code\":\"SUCCESS\",\"txid\":\"\(sample.txidHex)\"}"
        try await withFakeNode(["/wallet/broadcasthex": [.json(answer)]]) { client, script throws in
            let reply = try await client.broadcast(sample)
            #expect(reply.accepted && reply.txid == sample.txidHex)
            let sent = try #require(await script.requests.first)
            #expect(sent.body.contains(Hex.encode(sample.transactionBytes)))
            #expect(sent.contentType == "application/json")
        }
    }

    @Test(
        "broadcast: a refusal code is returned, not retried, its message as the node sent it",
        arguments: ["SIGERROR", "CONTRACT_VALIDATE_ERROR", "TAPOS_ERROR", "DUP_TRANSACTION_ERROR"])
    func broadcastRefused(code: String) async throws {
        let message = Hex.encode(Array("Validate signature error".utf8))
        let answer = "{\"code\":\"\(code)\",\"message\":\"\(message)\",\"txid\":\"\(sample.txidHex)\"}"
        try await withFakeNode(["/wallet/broadcasthex": [.json(answer)]]) { client, script throws in
            let reply = try await client.broadcast(sample)
            #expect(reply.code == code && reply.message == message && !reply.accepted)
            #expect(await script.count("/wallet/broadcasthex") == 1)
        }
    }

    @Test("broadcast: result false without a code is OTHER_ERROR, and without a txid the transaction's own")
    func broadcastNoCode() async throws {
        try await withFakeNode(["/wallet/broadcasthex": [.json("{\"result\":false}")]]) { client, _ throws in
            let reply = try await client.broadcast(sample)
            #expect(reply.code == "OTHER_ERROR" && reply.txid == sample.txidHex)
        }
    }

    @Test(
        "broadcast: SERVER_BUSY and NO_CONNECTION are sent again, up to maxAttempts",
        arguments: ["SERVER_BUSY", "NO_CONNECTION", "NOT_ENOUGH_EFFECTIVE_CONNECTION"])
    func broadcastBusy(code: String) async throws {
        let busy = FakeAnswer.json("{\"code\":\"\(code)\",\"message\":\"\"}")
        let accepted = FakeAnswer.json("{\"result\":true,\"txid\":\"\(sample.txidHex)\"}")
        try await withFakeNode(["/wallet/broadcasthex": [busy, accepted]]) { client, script throws in
            #expect(try await client.broadcast(sample).accepted)
            #expect(await script.count("/wallet/broadcasthex") == 2)
        }
        try await withFakeNode(["/wallet/broadcasthex": [busy]], maxAttempts: 3) { client, script throws in
            #expect(try await client.broadcast(sample).code == code)
            #expect(await script.count("/wallet/broadcasthex") == 3)
        }
    }

    @Test("broadcast: a 5xx is one attempt (the bytes may have arrived), thrown as unreachable")
    func broadcastUnanswered() async throws {
        try await withFakeNode(["/wallet/broadcasthex": [.status(503)]]) { client, script throws in
            await #expect {
                try await client.broadcast(sample)
            } throws: { error in
                guard case .unreachable = error as? TronNodeError else { return false }
                return true
            }
            #expect(await script.count("/wallet/broadcasthex") == 1)
        }
    }

    @Test("broadcast: {\"Error\": …} throws a node error")
    func broadcastError() async throws {
        let answer = "{\"Error\":\"class com.google.protobuf.InvalidProtocolBufferException : bad\"}"
        try await withFakeNode(["/wallet/broadcasthex": [.json(answer)]]) { client, _ throws in
            await #expect(throws: TronNodeError.self) { try await client.broadcast(sample) }
        }
    }

    @Test("gettransactioninfobyid: a receipt with receipt.result SUCCESS is a success, on the asked prefix")
    func receipt() async throws {
        let answer = """
            {"id":"\(sample.txidHex)","fee":13845000,"blockNumber":66987565,"blockTimeStamp":1700000003000,\
            "contractResult":[""],"contract_address":"41a614f803b6fd780986a42c78ec9c7f77e6ded13c",\
            "receipt":{"energy_fee":13845000,"energy_usage_total":138450,"net_usage":345,"result":"SUCCESS"}}
            """
        try await withFakeNode(["/walletsolidity/gettransactioninfobyid": [.json(answer)]]) { client, script throws in
            let receipt = try #require(try await client.transactionInfo(txid: sample.txidHex, solid: true))
            #expect(receipt.succeeded && receipt.blockNumber == 66_987_565 && receipt.fee == 13_845_000)
            #expect(receipt.energyUsed == 138_450 && receipt.bandwidthUsed == 345)
            #expect(await script.requests.map(\.path) == ["/walletsolidity/gettransactioninfobyid"])
            #expect(await script.requests.first?.body.contains(sample.txidHex) == true)
        }
    }

    @Test("gettransactioninfobyid: without receipt.result (a TRX-style receipt) it is not a success")
    func receiptWithoutResult() async throws {
        let answer = """
            {"id":"\(sample.txidHex)","blockNumber":12,"blockTimeStamp":1000,"receipt":{"net_fee":268000}}
            """
        try await withFakeNode(["/wallet/gettransactioninfobyid": [.json(answer)]]) { client, _ throws in
            let receipt = try #require(try await client.transactionInfo(txid: sample.txidHex, solid: false))
            #expect(receipt.contractResult == nil && !receipt.succeeded && receipt.bandwidthUsed == 268)
        }
    }

    @Test("gettransactioninfobyid: a REVERT receipt with FAILED and a hex resMessage is read as failed, decoded")
    func receiptReverted() async throws {
        let message = Hex.encode(Array("REVERT opcode executed".utf8))
        let answer = """
            {"id":"\(sample.txidHex)","blockNumber":12,"blockTimeStamp":1000,"result":"FAILED",\
            "resMessage":"\(message)","receipt":{"result":"REVERT"}}
            """
        try await withFakeNode(["/wallet/gettransactioninfobyid": [.json(answer)]]) { client, _ throws in
            let receipt = try #require(try await client.transactionInfo(txid: sample.txidHex, solid: false))
            #expect(receipt.failed && receipt.contractResult == "REVERT" && !receipt.succeeded)
            #expect(receipt.message == "REVERT opcode executed")
        }
    }

    @Test("{} is absent (nil, false); an Error or another id throws", arguments: [false, true])
    func absent(solid: Bool) async throws {
        let prefix = solid ? "/walletsolidity" : "/wallet"
        try await withFakeNode([
            "\(prefix)/gettransactioninfobyid": [.json("{}"), .json("{\"Error\":\"boom\"}")],
            "\(prefix)/gettransactionbyid": [.json("{}"), .json("{\"txID\":\"\(sample.txidHex)\"}")],
        ]) { client, _ throws in
            #expect(try await client.transactionInfo(txid: sample.txidHex, solid: solid) == nil)
            await #expect(throws: TronNodeError.self) {
                try await client.transactionInfo(txid: sample.txidHex, solid: solid)
            }
            #expect(try await client.transactionExists(txid: sample.txidHex, solid: solid) == false)
            #expect(try await client.transactionExists(txid: sample.txidHex, solid: solid))
        }
    }

    @Test("balances, chain parameters and node info in the node's shapes; an empty account has 0 sun")
    func reads() async throws {
        let word = String(repeating: "0", count: 48) + "00000000000f4240"
        try await withFakeNode([
            "/wallet/triggerconstantcontract": [
                .json("{\"result\":{\"result\":true},\"constant_result\":[\"\(word)\"]}")
            ],
            "/wallet/getaccount": [.json("{\"balance\":2500000}"), .json("{}")],
            "/wallet/getchainparameters": [
                .json("{\"chainParameter\":[{\"key\":\"getEnergyFee\",\"value\":420},{\"key\":\"getAllowTvmLondon\"}]}")
            ],
            "/wallet/getnodeinfo": [
                .json("{\"block\":\"Num:66987565,ID:00\",\"solidityBlock\":\"Num:66987547,ID:00\"}")
            ],
        ]) { client, _ throws in
            let address = TronNetwork.mainnet.usdtContract
            #expect(try await client.trc20Balance(owner: address, contract: address) == 1_000_000)
            #expect(try await client.trxBalance(of: address) == 2_500_000)
            #expect(try await client.trxBalance(of: address) == 0)
            #expect(try await client.chainParameters() == ["getEnergyFee": 420, "getAllowTvmLondon": 0])
            let info = try await client.nodeInfo()
            #expect(info.head == 66_987_565 && info.solid == 66_987_547)
        }
    }

    @Test("a balanceOf word above Int64 is refused, never truncated")
    func hugeBalance() async throws {
        let word = String(repeating: "0", count: 46) + "01" + String(repeating: "0", count: 16)
        try await withFakeNode(["/wallet/triggerconstantcontract": [.json("{\"constant_result\":[\"\(word)\"]}")]]) {
            client, _ throws in
            let address = TronNetwork.mainnet.usdtContract
            await #expect(throws: TronNodeError.self) {
                try await client.trc20Balance(owner: address, contract: address)
            }
        }
    }
}

@Suite("TronNodeClient against a fake node: failures and retries")
struct TronNodeFailureTests {
    @Test("a 5xx is retried with backoff: two 503s then an answer succeeds on the third attempt")
    func retriedServerError() async throws {
        try await withFakeNode(["/wallet/getnowblock": [.status(503), .status(502), .json(blockJSON)]]) {
            client, script throws in
            #expect(try await client.nowBlock().number == 3082)
            #expect(await script.count("/wallet/getnowblock") == 3)
        }
    }

    @Test("a 5xx on every attempt is unreachable after maxAttempts requests", arguments: [500, 503, 504])
    func persistentServerError(status: Int) async throws {
        try await withFakeNode(["/wallet/getnowblock": [.status(status)]], maxAttempts: 3) { client, script throws in
            await #expect {
                try await client.nowBlock()
            } throws: { error in
                guard case .unreachable(let detail) = error as? TronNodeError else { return false }
                return detail.contains("HTTP \(status)")
            }
            #expect(await script.count("/wallet/getnowblock") == 3)
        }
    }

    @Test("a 4xx, or an answer that is no JSON object, is a node error and not retried")
    func notRetried() async throws {
        for answer in [FakeAnswer.status(404), .status(400), .json("[1,2]"), .json("<html>busy</html>")] {
            try await withFakeNode(["/wallet/getnowblock": [answer]]) { client, script throws in
                await #expect {
                    try await client.nowBlock()
                } throws: { error in
                    guard case .node = error as? TronNodeError else { return false }
                    return true
                }
                #expect(await script.count("/wallet/getnowblock") == 1)
            }
        }
    }

    @Test("a node that does not answer in time is retried, then unreachable")
    func timeout() async throws {
        try await withFakeNode(
            ["/wallet/getnowblock": [.hang(.seconds(12))]], maxAttempts: 2, timeout: .milliseconds(100)
        ) { client, script throws in
            let start = ContinuousClock.now
            await #expect {
                try await client.nowBlock()
            } throws: { error in
                guard case .unreachable = error as? TronNodeError else { return false }
                return true
            }
            let elapsed = ContinuousClock.now - start
            #expect(elapsed >= .milliseconds(200), "two attempts of 100 ms each")
            // Far below the 12 s the node hangs for, with room for a loaded machine: the client gave up at its timeout.
            #expect(elapsed < .seconds(8), "the client gave up at its timeout")
            try await Task.sleep(for: .seconds(1))
            #expect(await script.count("/wallet/getnowblock") == 2, "\(elapsed)")
        }
    }

    @Test("an answer over 16 MiB is not read: unreachable after maxAttempts")
    func oversized() async throws {
        try await withFakeNode(["/wallet/getaccount": [.oversized(16 << 20)]], maxAttempts: 2) {
            client, script throws in
            await #expect {
                try await client.trxBalance(of: TronNetwork.mainnet.usdtContract)
            } throws: { error in
                guard case .unreachable = error as? TronNodeError else { return false }
                return true
            }
            #expect(await script.count("/wallet/getaccount") == 2)
        }
    }

    @Test("the API key is sent as TRON-PRO-API-KEY on every call when set, and no header when not")
    func apiKey() async throws {
        let answers: [String: [FakeAnswer]] = [
            "/wallet/getnowblock": [.json(blockJSON)], "/walletsolidity/getnowblock": [.json(blockJSON)],
        ]
        try await withFakeNode(answers, apiKey: "test-key-1") { client, script throws in
            _ = try await client.nowBlock()
            _ = try await client.solidBlock()
            #expect(await script.requests.map(\.apiKey) == ["test-key-1", "test-key-1"])
        }
        try await withFakeNode(answers) { client, script throws in
            _ = try await client.nowBlock()
            #expect(await script.requests.map(\.apiKey) == [nil])
        }
    }
}
