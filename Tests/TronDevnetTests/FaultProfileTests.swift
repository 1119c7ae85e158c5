import Foundation
import Testing
import TronDevnet
import TronKit

@Suite("Fault profiles per listener")
struct FaultProfileTests {
    @Test("POST /admin/faults on a view changes that view only; old and new keys round-trip")
    func perListener() async throws {
        let devnet = try DevnetFixture()
        let main = DevnetView(chain: devnet.chain)
        let view = DevnetView(chain: devnet.chain, faults: DevnetFaultProfile())
        let answer = try await post(
            view, "/admin/faults",
            [
                "lookup_mode": "lagging", "lag_blocks": 40, "clock_offset_ms": 600_000,
                "refuse_rebroadcast_code": "SIGERROR",
                "inclusion_delay_blocks": 2, "drop_broadcast_rate": 0.5,
            ])
        #expect(answer["lookup_mode"] as? String == "lagging")
        #expect((answer["lag_blocks"] as? NSNumber)?.int64Value == 40)
        #expect((answer["clock_offset_ms"] as? NSNumber)?.int64Value == 600_000)
        #expect(answer["refuse_rebroadcast_code"] as? String == "SIGERROR")
        #expect((answer["inclusion_delay_blocks"] as? NSNumber)?.int64Value == 2)
        #expect(view.faults.current.dropBroadcastRate == 0.5)
        #expect(devnet.chain.currentFaults == DevnetFaults())
        #expect((try await post(main, "/admin/faults"))["lookup_mode"] as? String == "honest")
    }

    @Test("an unknown lookup_mode is refused, naming the key, and leaves the profile as it was")
    func badMode() async throws {
        let devnet = try DevnetFixture()
        let view = DevnetView(chain: devnet.chain, faults: DevnetFaultProfile())
        let answer = try await post(view, "/admin/faults", ["lookup_mode": "sometimes"])
        #expect((answer["Error"] as? String)?.contains("lookup_mode") == true)
        #expect(view.faults.current == DevnetFaults())
    }

    @Test("/admin/transfers lists each USDT transfer once, in block order, filtered by recipient")
    func transfers() async throws {
        let devnet = try DevnetFixture()
        let first = try devnet.transfer(amount: 1, timestamp: 1)
        let second = try devnet.transfer(amount: 2, timestamp: 2)
        #expect(devnet.chain.broadcast(first).accepted)
        try devnet.produce(1)
        #expect(devnet.chain.broadcast(second).accepted)
        try devnet.produce(1)
        let answer = try await post(
            DevnetView(chain: devnet.chain), "/admin/transfers", ["to": DevnetFixture.recipient.base58])
        let transfers = answer["transfers"] as? [[String: Any]] ?? []
        #expect(transfers.map { $0["txid"] as? String } == [first.txidHex, second.txidHex])
        #expect(transfers.map { ($0["amount_units"] as? NSNumber)?.int64Value } == [1, 2])
        #expect(transfers.allSatisfy { $0["from"] as? String == devnet.key.address.base58 })
    }
}
