import ArgumentParser
import Foundation
import Logging
import TronKit
import TronNode

/// `payctl node …`: ask a TRON node about the chain and an account (the same client payment-rpc uses).
struct Node: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Query a TRON full node.", subcommands: [Info.self, Balance.self])

    struct Options: ParsableArguments {
        @Option(help: "Full node URL, or a network name: mainnet, nile, shasta, devnet.") var node = "devnet"
        @Option(name: .customLong("api-key-env"), help: "Environment variable holding a TronGrid API key.")
        var apiKeyEnv = "TRON_PRO_API_KEY"

        /// The named network's endpoints, or a node URL with the devnet's contract; anything else is refused.
        var preset: TronNetworkPreset {
            get throws {
                if let network = TronNetwork(rawValue: node) { return TronNetworkPreset(network) }
                guard let url = URL(string: node), ["http", "https"].contains(url.scheme), url.host != nil else {
                    throw ValidationError(
                        "--node takes a URL or a network name (\(TronNetwork.allCases.map(\.rawValue).joined(separator: ", "))), got \(node)"
                    )
                }
                var custom = TronNetworkPreset(.devnet)
                custom.fullNodeURL = node
                custom.solidityNodeURL = node
                return custom
            }
        }

        func validate() throws { _ = try preset }

        var client: TronNodeClient {
            get throws {
                let preset = try preset
                return TronNodeClient(
                    configuration: .init(
                        fullNodeURL: preset.fullNodeURL, solidityNodeURL: preset.solidityNodeURL,
                        apiKey: ProcessInfo.processInfo.environment[apiKeyEnv]),
                    logger: Logger(label: "payctl"))
            }
        }
    }

    struct Info: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Head and solid blocks, and the fee parameters.")
        @OptionGroup var options: Options

        func run() async throws {
            let client = try options.client
            let head = try await client.nowBlock()
            let solid = try await client.solidBlock()
            let info = try await client.nodeInfo()
            let parameters = try await client.chainParameters()
            print("head \(head.number) \(Hex.encode(head.id)) at \(head.timestamp)")
            print("solid \(solid.number) \(Hex.encode(solid.id)) (node info: head \(info.head), solid \(info.solid))")
            for key in ["getEnergyFee", "getTransactionFee", "getMaxFeeLimit"] {
                print("\(key) \(parameters[key].map(String.init) ?? "-")")
            }
        }
    }

    struct Balance: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "TRX, USDT and resources of an address.")
        @OptionGroup var options: Options
        @Option(help: "The account, base58.") var address: String
        @Option(help: "The USDT contract; the network's when omitted.") var contract: String?

        func run() async throws {
            let account = try TronAddress(base58: address)
            let usdt = try contract.map { try TronAddress(base58: $0) } ?? (try options.preset).usdtContract
            let client = try options.client
            print("trx_sun \(try await client.trxBalance(of: account))")
            print("usdt_units \(try await client.trc20Balance(owner: account, contract: usdt))")
            let resources = try await client.accountResource(of: account)
            print("free_net_limit \(resources["freeNetLimit"].map(String.init) ?? "-")")
        }
    }
}
