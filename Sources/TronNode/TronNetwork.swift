import TronKit

/// The TRON networks the services know, with their public HTTP API, USDT contract and chain facts (TRON.md §4.4,
/// §5, §6). Parsed from configuration by its raw value; an unknown name is refused where it is parsed, never
/// read as another network.
public enum TronNetwork: String, Sendable, CaseIterable, CustomStringConvertible {
    /// tron-devnet on its default port (127.0.0.1:8090); it runs USDT at the mainnet address.
    case devnet
    /// The Nile testnet (TronGrid).
    case nile
    /// The Shasta testnet (TronGrid).
    case shasta
    /// The TRON mainnet (TronGrid): real money.
    case mainnet

    /// The full node's HTTP API (`/wallet/*`), without a trailing slash.
    public var fullNodeURL: String {
        switch self {
        case .devnet: "http://127.0.0.1:8090"
        case .nile: "https://nile.trongrid.io"
        case .shasta: "https://api.shasta.trongrid.io"
        case .mainnet: "https://api.trongrid.io"
        }
    }

    /// The solidity node's HTTP API (`/walletsolidity/*`); TronGrid and tron-devnet serve it on the full node's host.
    public var solidityNodeURL: String { fullNodeURL }

    /// The USDT (TRC-20, 6 decimals) contract the network runs.
    public var usdtContract: TronAddress {
        switch self {
        case .devnet, .mainnet: Self.mainnetUSDT
        case .nile: Self.nileUSDT
        case .shasta: Self.shastaUSDT
        }
    }

    /// Whether the network's TRX and USDT are real money (only mainnet).
    public var carriesRealValue: Bool { self == .mainnet }

    /// Milliseconds between blocks: 3 000 on every TRON network (`BLOCK_PRODUCED_INTERVAL`, TRON.md §5).
    public var blockIntervalMilliseconds: Int64 { 3_000 }

    /// Blocks behind the head that are solidified in steady state (19 of 27 SRs, TRON.md §5); tron-devnet's default.
    public var solidLag: Int64 { 18 }

    /// The network's name, as configuration spells it.
    public var description: String { rawValue }

    /// The network `name` names. Throws naming the value and the known networks when it names none.
    public init(parsing name: String) throws(TronNetworkError) {
        guard let network = TronNetwork(rawValue: name) else { throw TronNetworkError(name: name) }
        self = network
    }

    private static let mainnetUSDT = try! TronAddress(base58: "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t")
    private static let nileUSDT = try! TronAddress(base58: "TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf")
    private static let shastaUSDT = try! TronAddress(base58: "TG3XXyExBkPp9nzdajDZsozEu4BkaSJozs")
}

/// A network name that names no `TronNetwork`.
public struct TronNetworkError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The name as given.
    public var name: String

    /// The error for `name`.
    public init(name: String) { self.name = name }

    /// `name is not a TRON network (devnet, nile, shasta, mainnet)`.
    public var description: String {
        "\(name) is not a TRON network (\(TronNetwork.allCases.map(\.rawValue).joined(separator: ", ")))"
    }
}

/// Where one deployment reaches its network: the network's public endpoints and USDT contract, each of which a
/// configuration may override (a private node, a custom contract). payment-rpc and payctl build their node clients
/// from it.
public struct TronNetworkPreset: Sendable, Equatable {
    /// The network the endpoints belong to.
    public var network: TronNetwork
    /// The full node's HTTP API (`/wallet/*`).
    public var fullNodeURL: String
    /// The solidity node's HTTP API (`/walletsolidity/*`).
    public var solidityNodeURL: String
    /// The USDT contract payouts transfer.
    public var usdtContract: TronAddress

    /// The network's own endpoints and contract.
    public init(_ network: TronNetwork) {
        self.network = network
        self.fullNodeURL = network.fullNodeURL
        self.solidityNodeURL = network.solidityNodeURL
        self.usdtContract = network.usdtContract
    }
}
