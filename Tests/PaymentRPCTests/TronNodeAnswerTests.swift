import Testing

@testable import TronNode

@Suite("TronNodeClient: only a real {} is absent")
struct TronNodeAnswerTests {
    static let txid = String(repeating: "ab", count: 32)
    static let path = "/walletsolidity/gettransactioninfobyid"

    @Test("gettransactioninfobyid: {} is absent, a receipt is read")
    func receipts() throws {
        #expect(try TronNodeClient.receipt(from: [:], txid: Self.txid, path: Self.path) == nil)
        let receipt = try #require(
            try TronNodeClient.receipt(
                from: [
                    "id": Self.txid, "blockNumber": 12, "blockTimeStamp": 1_000, "fee": 345,
                    "receipt": ["result": "SUCCESS", "energy_usage_total": 14_650, "net_usage": 345],
                ], txid: Self.txid, path: Self.path))
        #expect(receipt.blockNumber == 12 && receipt.contractResult == "SUCCESS" && receipt.succeeded)
        let noResult = try #require(
            try TronNodeClient.receipt(
                from: ["id": Self.txid, "blockNumber": 12, "blockTimeStamp": 1_000], txid: Self.txid, path: Self.path))
        #expect(!noResult.succeeded, "a receipt without receipt.result is not success")
    }

    @Test(
        "gettransactioninfobyid: an Error, another txID or an odd shape throws, never absent",
        arguments: [
            ["Error": "class java.lang.Exception : boom"],
            ["id": String(repeating: "cd", count: 32), "blockNumber": 1, "blockTimeStamp": 1],
            ["id": String(repeating: "ab", count: 32)],
            ["result": "FAILED"],
            ["contractResult": [""]],
        ] as [[String: any Sendable]])
    func receiptErrors(_ json: [String: any Sendable]) {
        #expect(throws: TronNodeError.self) { try TronNodeClient.receipt(from: json, txid: Self.txid, path: Self.path) }
    }

    @Test("gettransactionbyid: {} is false, the transaction true, anything else throws")
    func existence() throws {
        #expect(try TronNodeClient.exists(from: [:], txid: Self.txid, path: "p") == false)
        #expect(try TronNodeClient.exists(from: ["txID": Self.txid.uppercased()], txid: Self.txid, path: "p"))
        #expect(throws: TronNodeError.self) {
            try TronNodeClient.exists(from: ["Error": "x"], txid: Self.txid, path: "p")
        }
        #expect(throws: TronNodeError.self) {
            try TronNodeClient.exists(from: ["raw_data": [:]], txid: Self.txid, path: "p")
        }
    }
}
