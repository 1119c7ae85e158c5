import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import TronDevnet
import TronKit

/// A chain with on-demand blocks and a funded hot wallet, and helpers to call a listener's HTTP API in process.
struct DevnetFixture {
    static let recipient = try! TronAddress(base58: "TE2vQGQiihnDQ2qSi4guvFs2QXw3W3Nxrp")
    let key = TronPrivateKey.generate()
    let chain: DevnetChain

    init(solidLag: Int64 = 2, configure: (inout DevnetConfig) -> Void = { _ in }) throws {
        var config = DevnetConfig()
        config.blockIntervalMilliseconds = 0
        config.solidLag = solidLag
        config.genesis = [
            GenesisAccount(address: key.address.base58, trxSun: 100_000_000_000, usdtUnits: 1_000_000_000)
        ]
        configure(&config)
        chain = try DevnetChain(config: config, logger: Logger(label: "devnet-test"))
    }

    /// A signed Stake 2.0 `operation` by `key` (the hot wallet's by default).
    func stake(_ operation: StakeOperation, by key: TronPrivateKey? = nil) throws -> SignedTronTransaction {
        let signer = key ?? self.key
        let raw = try TronTransaction.stake(
            operation, owner: signer.address,
            reference: try ReferenceBlock(blockID: Hex.decode(chain.solid().id)!),
            timestamp: Int64(Date().timeIntervalSince1970 * 1000), expiration: chain.head().timestamp + 3_600_000)
        return try TronTransaction.sign(rawBytes: try TronTransaction.serialize(raw), with: signer)
    }

    /// A signed USDT transfer of `amount` to `to` with `feeLimit`, by the hot wallet.
    func transfer(amount: Int64, to: TronAddress, feeLimit: Int64 = 50_000_000) throws -> SignedTronTransaction {
        let raw = try TronTransaction.trc20Transfer(
            owner: key.address, to: to, amount: amount, contract: chain.config.usdtContract,
            reference: try ReferenceBlock(blockID: Hex.decode(chain.solid().id)!),
            timestamp: Int64(Date().timeIntervalSince1970 * 1000), expiration: chain.head().timestamp + 3_600_000,
            feeLimit: feeLimit)
        return try TronTransaction.sign(rawBytes: try TronTransaction.serialize(raw), with: key)
    }

    /// A signed USDT transfer to `recipient`, referencing the solid block and expiring a minute after the head.
    func transfer(
        amount: Int64, timestamp: Int64 = Int64(Date().timeIntervalSince1970 * 1000)
    ) throws -> SignedTronTransaction {
        let raw = try TronTransaction.trc20Transfer(
            owner: key.address, to: Self.recipient, amount: amount, contract: chain.config.usdtContract,
            reference: try ReferenceBlock(blockID: Hex.decode(chain.solid().id)!), timestamp: timestamp,
            expiration: chain.head().timestamp + 60_000, feeLimit: 50_000_000)
        return try TronTransaction.sign(rawBytes: try TronTransaction.serialize(raw), with: key)
    }

    func produce(_ count: Int) throws {
        for _ in 0..<count { try chain.produceBlock() }
    }
}

/// POSTs JSON to a listener's router and decodes the JSON object it answers.
func post(_ view: DevnetView, _ path: String, _ body: [String: Any] = [:]) async throws -> [String: Any] {
    let app = Application(router: DevnetHTTP.router(view: view))
    let data = try JSONSerialization.data(withJSONObject: body)
    return try await app.test(.router) { client in
        try await client.execute(uri: path, method: .post, body: ByteBuffer(bytes: data)) { response in
            try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any] ?? [:]
        }
    }
}

/// The four transaction lookups a processor may use.
let lookupPaths = [
    "/wallet/gettransactioninfobyid", "/wallet/gettransactionbyid",
    "/walletsolidity/gettransactioninfobyid", "/walletsolidity/gettransactionbyid",
]
