import Foundation
import Testing
import TronDevnet
import TronKit

@Suite("Refused rebroadcasts")
struct RebroadcastTests {
    @Test(
        "with refuse_rebroadcast_code, a known transaction is refused with that code, pending or in a block",
        arguments: ["SIGERROR", "CONTRACT_VALIDATE_ERROR"])
    func refused(code: String) async throws {
        let devnet = try DevnetFixture()
        var faults = DevnetFaults()
        faults.refuseRebroadcastCode = code
        faults.inclusionDelayBlocks = 1
        let refusing = DevnetView(chain: devnet.chain, faults: DevnetFaultProfile(faults))
        let signed = try devnet.transfer(amount: 9)
        let body: [String: Any] = ["transaction": Hex.encode(signed.transactionBytes)]
        let first = try await post(refusing, "/wallet/broadcasthex", body)
        #expect(first["result"] as? Bool == true)
        #expect(first["code"] as? String == "SUCCESS")

        let pending = try await post(refusing, "/wallet/broadcasthex", body)
        #expect(pending["result"] as? Bool == false)
        #expect(pending["code"] as? String == code)
        #expect((pending["message"] as? String)?.isEmpty == false)

        try devnet.produce(3)
        #expect(devnet.chain.transaction(id: signed.txidHex)?.blockNumber != nil)
        let inBlock = try await post(refusing, "/wallet/broadcasthex", body)
        #expect(inBlock["code"] as? String == code)
        // The refusal is only about rebroadcasts: the transaction itself paid once.
        #expect(devnet.chain.usdtTransfers(to: DevnetFixture.recipient).count == 1)
    }

    @Test("without it, a rebroadcast answers DUP_TRANSACTION_ERROR; a new transaction is still accepted")
    func duplicate() throws {
        let devnet = try DevnetFixture()
        var faults = DevnetFaults()
        faults.refuseRebroadcastCode = "SIGERROR"
        let refusing = DevnetView(chain: devnet.chain, faults: DevnetFaultProfile(faults))
        let honest = DevnetView(chain: devnet.chain)
        let signed = try devnet.transfer(amount: 3)
        #expect(honest.broadcast(signed).accepted)
        #expect(honest.broadcast(signed).code == "DUP_TRANSACTION_ERROR")
        #expect(refusing.broadcast(signed).code == "SIGERROR")
        #expect(refusing.broadcast(try devnet.transfer(amount: 4, timestamp: 1)).accepted)
    }

    @Test("java-tron's failure shape on /wallet/broadcasttransaction: code, hex message, txid, no result")
    func shape() async throws {
        let devnet = try DevnetFixture()
        var faults = DevnetFaults()
        faults.refuseRebroadcastCode = "CONTRACT_VALIDATE_ERROR"
        let refusing = DevnetView(chain: devnet.chain, faults: DevnetFaultProfile(faults))
        let signed = try devnet.transfer(amount: 11)
        #expect(refusing.broadcast(signed).accepted)
        let echoed = try await post(
            refusing, "/wallet/broadcasthex", ["transaction": Hex.encode(signed.transactionBytes)])
        let text = echoed["transaction"] as? String ?? "{}"
        let transaction = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
        var body = transaction
        body["signature"] = [Hex.encode(signed.signature)]
        body["visible"] = nil  // tronpy's shape: messages come back hex
        let reply = try await post(refusing, "/wallet/broadcasttransaction", body)
        #expect(reply["result"] == nil)
        #expect(reply["code"] as? String == "CONTRACT_VALIDATE_ERROR")
        #expect(reply["txid"] as? String == signed.txidHex)
        let message = (reply["message"] as? String).flatMap(Hex.decode).map { String(decoding: $0, as: UTF8.self) }
        #expect(message?.hasPrefix("Contract validate error") == true)
    }
}

@Suite("Listener stats")
struct ListenerStatsTests {
    @Test("/admin/stats counts the broadcast answers of its own listener only")
    func counts() async throws {
        let devnet = try DevnetFixture()
        var faults = DevnetFaults()
        faults.refuseRebroadcastCode = "SIGERROR"
        let refusing = DevnetView(chain: devnet.chain, faults: DevnetFaultProfile(faults))
        let other = DevnetView(chain: devnet.chain)
        let signed = try devnet.transfer(amount: 1)
        _ = refusing.broadcast(signed)
        _ = refusing.broadcast(signed)
        _ = other.broadcast(signed)
        let stats = try await post(refusing, "/admin/stats")
        let counts = (stats["broadcasts"] as? [String: Any] ?? [:]).mapValues { ($0 as? NSNumber)?.intValue }
        #expect(counts == ["SUCCESS": 1, "SIGERROR": 1])
        #expect(other.broadcastCounts == ["DUP_TRANSACTION_ERROR": 1])
    }
}
