import ArgumentParser
import Foundation
import Logging
import TronKit
import TronNode
import TronWallet

/// The operators' command line: hot-wallet keys and offline (air-gapped) signing. The `payctl` executable runs it,
/// and so does `payment-rpc` when called as `payctl` (a link in the payment-rpc image: one binary, not two).
public struct PayCtl: AsyncParsableCommand {
    /// The command's name, help and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "payctl",
        abstract: "Operate the payout system: keys, offline transactions, the ledger and the treasury.",
        subcommands: [Keys.self, Tx.self, Node.self, LedgerCommands.self, TreasuryCommands.self])

    /// The command before its arguments are parsed.
    public init() {}

    /// Whether a program was started under payctl's name (`argv[0]` is `payctl` or ends in `/payctl`).
    public static func isCalledAsPayCtl(_ arguments: [String] = CommandLine.arguments) -> Bool {
        guard let first = arguments.first else { return false }
        return first == "payctl" || first.hasSuffix("/payctl")
    }
}

struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Hot-wallet key files.", subcommands: [Generate.self, Address.self, Install.self])

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a new key file (mode 0600) and print its address.")
        @Option(help: "The key file to create; an existing file is never overwritten.") var out: String

        func run() throws {
            let key = TronPrivateKey.generate()
            try WalletKey.write(key, to: out)
            print(key.address.base58)
        }
    }

    struct Install: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a key file into a new file of mode 0400 owned by this user (e.g. from a Secret volume).",
            discussion: """
                A Kubernetes Secret volume gives a non-root reader a root-owned, group-readable file, which \
                payment-rpc refuses. An init container running this as payment-rpc's user copies the key to a \
                file it owns; the source must hold a key and must not be readable by others. Prints the address.
                """)
        @Option(help: "The key file to copy (mode 0440 or stricter).") var from: String
        @Option(help: "The key file to create (mode 0400); an existing file is never overwritten.") var to: String

        func run() throws {
            print(try WalletKey.install(from: from, to: to).address.base58)
        }
    }

    struct Address: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the base58 address of a key file.")
        @Option(name: .customLong("key-file"), help: "A key file (mode 0600).") var keyFile: String

        func run() throws {
            print(try WalletKey.fromFile(keyFile).address.base58)
        }
    }
}

struct Tx: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build and sign transactions.", subcommands: [USDTTransfer.self])

    struct USDTTransfer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "usdt-transfer",
            abstract: "Build and sign a USDT transfer offline; prints JSON with raw_data_hex, txid and signature.")

        @Option(name: .customLong("key-file")) var keyFile: String
        @Option(help: "Recipient, base58.") var to: String
        @Option(name: .customLong("amount-units"), help: "USDT base units (1 USDT = 1000000).") var amountUnits: Int64
        @Option(help: "USDT contract, base58 (mainnet's by default).") var contract =
            "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
        @Option(name: .customLong("ref-block-id"), help: "Reference block id (64 hex); asked from --node when omitted.")
        var refBlockID: String?
        @Option(help: "Timestamp in ms; now when omitted.") var timestamp: Int64?
        @Option(help: "Expiration in ms; 60 s after the head block (or now) when omitted.") var expiration: Int64?
        @Option(name: .customLong("fee-limit"), help: "fee_limit in sun.") var feeLimit: Int64 = 50_000_000
        @Option(help: "Full node URL, used only when --ref-block-id is omitted.") var node = "http://127.0.0.1:8090"

        func run() async throws {
            let key = try WalletKey.fromFile(keyFile)
            let recipient = try parse(to, "--to")
            let contractAddress = try parse(contract, "--contract")
            guard amountUnits > 0 else { throw ValidationError("--amount-units must be greater than 0") }
            var blockID: [UInt8]
            var headTime = Int64(Date().timeIntervalSince1970 * 1000)
            if let refBlockID {
                guard let bytes = Hex.decode(refBlockID), bytes.count == 32 else {
                    throw ValidationError("--ref-block-id must be 64 hex characters")
                }
                blockID = bytes
            } else {
                let client = TronNodeClient(configuration: .init(fullNodeURL: node), logger: Logger(label: "payctl"))
                blockID = try await client.solidBlock().id
                headTime = try await client.nowBlock().timestamp
            }
            let raw = try TronTransaction.trc20Transfer(
                owner: key.address, to: recipient, amount: amountUnits, contract: contractAddress,
                reference: try ReferenceBlock(blockID: blockID),
                timestamp: timestamp ?? Int64(Date().timeIntervalSince1970 * 1000),
                expiration: expiration ?? headTime + 60_000,
                feeLimit: feeLimit)
            let signed = try TronTransaction.sign(rawBytes: try TronTransaction.serialize(raw), with: key)
            let output: [String: String] = [
                "raw_data_hex": Hex.encode(signed.rawBytes), "txid": signed.txidHex,
                "signature": Hex.encode(signed.signature),
                "transaction_hex": Hex.encode(signed.transactionBytes), "owner": key.address.base58,
            ]
            let data = try JSONSerialization.data(withJSONObject: output, options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
        }

        func parse(_ text: String, _ option: String) throws -> TronAddress {
            do {
                return try TronAddress(base58: text)
            } catch {
                throw ValidationError("\(option) \(text) is not a TRON address (\(error))")
            }
        }
    }
}
