import TronKit

/// Where a TRON network's HTTP API is and which USDT contract it runs (TRON.md §4.4, §6).
public struct TronNetworkPreset: Sendable, Equatable {
    public var name: String
    public var fullNodeURL: String
    public var solidityNodeURL: String
    public var usdtContract: TronAddress

    public static let mainnet = TronNetworkPreset(
        name: "mainnet", fullNodeURL: "https://api.trongrid.io", solidityNodeURL: "https://api.trongrid.io",
        usdtContract: try! TronAddress(base58: "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"))
    public static let nile = TronNetworkPreset(
        name: "nile", fullNodeURL: "https://nile.trongrid.io", solidityNodeURL: "https://nile.trongrid.io",
        usdtContract: try! TronAddress(base58: "TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf"))
    public static let shasta = TronNetworkPreset(
        name: "shasta", fullNodeURL: "https://api.shasta.trongrid.io",
        solidityNodeURL: "https://api.shasta.trongrid.io",
        usdtContract: try! TronAddress(base58: "TG3XXyExBkPp9nzdajDZsozEu4BkaSJozs"))
    /// tron-devnet on its default port; it runs USDT at the mainnet address.
    public static let devnet = TronNetworkPreset(
        name: "devnet", fullNodeURL: "http://127.0.0.1:8090", solidityNodeURL: "http://127.0.0.1:8090",
        usdtContract: try! TronAddress(base58: "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"))

    public static func named(_ name: String) -> TronNetworkPreset? {
        [mainnet, nile, shasta, devnet].first { $0.name == name }
    }
}
