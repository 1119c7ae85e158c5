import Foundation
import Testing
import TronDevnet
import TronKit

@Suite("Lookup modes: lagging and lying listeners over one chain")
struct LookupModeTests {
    @Test(
        "a lagging listener answers {} until the head is lag_blocks past inclusion; the honest one answers at once",
        arguments: lookupPaths)
    func lagging(path: String) async throws {
        let devnet = try DevnetFixture(solidLag: 2)
        var faults = DevnetFaults()
        faults.lookupMode = .lagging
        faults.lagBlocks = 6
        let lagging = DevnetView(chain: devnet.chain, faults: DevnetFaultProfile(faults))
        let honest = DevnetView(chain: devnet.chain)
        let signed = try devnet.transfer(amount: 5)
        #expect(lagging.broadcast(signed).accepted)
        try devnet.produce(1)
        let included = devnet.chain.headNumber
        try devnet.produce(2)  // now solid too
        #expect(try await post(honest, path, ["value": signed.txidHex]).isEmpty == false)
        for _ in 0..<4 {
            #expect(devnet.chain.headNumber < included + 6)
            #expect(try await post(lagging, path, ["value": signed.txidHex]).isEmpty)
            try devnet.produce(1)
        }
        #expect(devnet.chain.headNumber == included + 6)
        let answer = try await post(lagging, path, ["value": signed.txidHex])
        #expect(answer["id"] as? String == signed.txidHex || answer["txID"] as? String == signed.txidHex)
    }

    @Test("with lag_solidity false, only the /wallet/ lookups lag; /walletsolidity/ follows the solid block")
    func laggingFullNodeOnly() async throws {
        let devnet = try DevnetFixture(solidLag: 2)
        var faults = DevnetFaults()
        faults.lookupMode = .lagging
        faults.lagBlocks = 10
        faults.lagSolidity = false
        let lagging = DevnetView(chain: devnet.chain, faults: DevnetFaultProfile(faults))
        let signed = try devnet.transfer(amount: 5)
        #expect(lagging.broadcast(signed).accepted)
        try devnet.produce(1)
        #expect(try await post(lagging, "/walletsolidity/gettransactioninfobyid", ["value": signed.txidHex]).isEmpty)
        try devnet.produce(2)
        for path in lookupPaths {
            let answer = try await post(lagging, path, ["value": signed.txidHex])
            #expect(answer.isEmpty == path.hasPrefix("/wallet/"), "\(path)")
        }
    }

    @Test(
        "a lying listener answers {} to every lookup, forever, while its broadcasts land honestly",
        arguments: lookupPaths)
    func lyingLookups(path: String) async throws {
        let devnet = try DevnetFixture(solidLag: 2)
        var faults = DevnetFaults()
        faults.lookupMode = .lying
        let lying = DevnetView(chain: devnet.chain, faults: DevnetFaultProfile(faults))
        let signed = try devnet.transfer(amount: 7)
        let reply = try await post(lying, "/wallet/broadcasthex", ["transaction": Hex.encode(signed.transactionBytes)])
        #expect(reply["result"] as? Bool == true)
        try devnet.produce(20)
        #expect(try await post(lying, path, ["value": signed.txidHex]).isEmpty)
        #expect(try await post(DevnetView(chain: devnet.chain), path, ["value": signed.txidHex]).isEmpty == false)
        #expect(devnet.chain.usdtTransfers(to: DevnetFixture.recipient).map(\.txid) == [signed.txidHex])
    }

    @Test(
        "clock_offset_ms moves the block timestamps a listener serves, not the block ids or the chain",
        arguments: ["/wallet/getnowblock", "/walletsolidity/getnowblock", "/wallet/getblockbynum"])
    func clockOffset(path: String) async throws {
        let devnet = try DevnetFixture(solidLag: 2)
        try devnet.produce(5)
        var faults = DevnetFaults()
        faults.clockOffsetMilliseconds = 600_000
        let ahead = DevnetView(chain: devnet.chain, faults: DevnetFaultProfile(faults))
        let honest = DevnetView(chain: devnet.chain)
        let body: [String: Any] = path.hasSuffix("getblockbynum") ? ["num": 3] : [:]
        let lied = try await post(ahead, path, body)
        let truth = try await post(honest, path, body)
        #expect(lied["blockID"] as? String == truth["blockID"] as? String)
        #expect(timestamp(lied) - timestamp(truth) == 600_000)
        #expect(devnet.chain.head().timestamp < Int64(Date().timeIntervalSince1970 * 1000) + 60_000)
    }

    func timestamp(_ block: [String: Any]) -> Int64 {
        let header = block["block_header"] as? [String: Any]
        let raw = header?["raw_data"] as? [String: Any]
        return (raw?["timestamp"] as? NSNumber)?.int64Value ?? -1
    }
}
