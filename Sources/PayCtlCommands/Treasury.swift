import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import PaymentAPI
import SwiftProtobuf

/// `payctl treasury …`: the hot wallet's figures and its staking, through TreasuryService. Outside development
/// through the sidecar with a client certificate whose identity `treasury.allowed_callers` lists
/// (ops/treasury-admin); on a development machine straight to payment-rpc's TCP port.
struct TreasuryCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "treasury", abstract: "The hot wallet: balances, energy, fee estimates and staking.",
        subcommands: [
            Status.self, Estimate.self, Stake.self, Unstake.self, Withdraw.self, Delegate.self, Undelegate.self,
            Operation.self,
        ])

    /// Where TreasuryService is.
    struct Connection: ParsableArguments {
        @Option(help: "The sidecar of payment-rpc (mTLS), host:port; needs --cert, --key and --ca.")
        var sidecar: String?
        @Option(help: "The client certificate (PEM), e.g. ops/treasury-admin's.") var cert: String?
        @Option(help: "Its private key (PEM).") var key: String?
        @Option(help: "The CA that signed the sidecar's certificate (PEM).") var ca: String?
        @Option(help: "payment-rpc's own gRPC port, host:port, without TLS (development only).")
        var rpc: String = "127.0.0.1:50051"

        func validate() throws {
            if sidecar != nil, cert == nil || key == nil || ca == nil {
                throw ValidationError("--sidecar needs --cert, --key and --ca")
            }
        }

        /// Runs `body` with a TreasuryService client over the chosen transport.
        func withClient<T: Sendable>(
            _ body: @Sendable (Lucid_Payment_V1_TreasuryService.Client<HTTP2ClientTransport.Posix>) async throws -> T
        ) async throws -> T {
            let address = sidecar ?? rpc
            let parts = address.split(separator: ":")
            guard parts.count == 2, let port = Int(parts[1]), (1...65_535).contains(port) else {
                throw ValidationError("expected host:port, got \(address)")
            }
            let security: HTTP2ClientTransport.Posix.TransportSecurity
            if sidecar != nil, let cert, let key, let ca {
                security = .mTLS(
                    certificateChain: [.file(path: cert, format: .pem)], privateKey: .file(path: key, format: .pem)
                ) { $0.trustRoots = .certificates([.file(path: ca, format: .pem)]) }
            } else {
                security = .plaintext
            }
            let transport = try HTTP2ClientTransport.Posix(
                target: .dns(host: String(parts[0]), port: port), transportSecurity: security)
            return try await withGRPCClient(transport: transport) { client in
                try await body(Lucid_Payment_V1_TreasuryService.Client(wrapping: client))
            }
        }
    }

    /// `energy` or `bandwidth`.
    enum Resource: String, ExpressibleByArgument, CaseIterable {
        case energy, bandwidth
        var proto: Lucid_Payment_V1_StakeResource { self == .energy ? .energy : .bandwidth }
    }

    static func printJSON(_ message: some SwiftProtobuf.Message) throws {
        var options = JSONEncodingOptions()
        options.alwaysPrintInt64sAsNumbers = true
        options.preserveProtoFieldNames = true
        print(try message.jsonString(options: options))
    }

    /// Follows an operation until it is CONFIRMED or FAILED (`--wait`), printing its last state.
    static func finish(
        _ operation: Lucid_Payment_V1_TreasuryOperation, wait: Bool, connection: Connection
    ) async throws {
        var current = operation
        if wait {
            let deadline = ContinuousClock.now + .seconds(180)
            while current.status != .confirmed, current.status != .failed, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(500))
                let id = current.operationID
                current = try await connection.withClient { client in
                    try await client.getTreasuryOperation(.with { $0.operationID = id })
                }
            }
        }
        try printJSON(current)
        if wait, current.status != .confirmed { throw ExitCode(1) }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The hot wallet and the network, as JSON.")
        @OptionGroup var connection: Connection

        func run() async throws {
            let (wallet, network) = try await connection.withClient { client in
                (try await client.getHotWallet(.init()), try await client.getNetwork(.init()))
            }
            var options = JSONEncodingOptions()
            options.alwaysPrintInt64sAsNumbers = true
            options.preserveProtoFieldNames = true
            print(
                "{\"hot_wallet\": \(try wallet.jsonString(options: options)), \"network\": \(try network.jsonString(options: options))}"
            )
        }
    }

    struct Estimate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "What a payout would cost now, as JSON.")
        @OptionGroup var connection: Connection
        @Option(help: "Recipient, base58.") var to: String
        @Option(name: .customLong("amount-units"), help: "USDT base units (1 USDT = 1000000).") var amountUnits: Int64

        func run() async throws {
            let (to, amount) = (self.to, amountUnits)
            try printJSON(
                try await connection.withClient { client in
                    try await client.estimatePayoutCost(
                        .with {
                            $0.recipientAddress = to
                            $0.amountUnits = amount
                        })
                })
        }
    }

    struct Stake: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stake TRX for energy or bandwidth.")
        @OptionGroup var connection: Connection
        @Option(name: .customLong("amount-sun"), help: "Sun to stake (1 TRX = 1000000).") var amountSun: Int64
        @Option(help: "energy or bandwidth.") var resource: Resource = .energy
        @Option(name: .customLong("idempotency-key"), help: "A new key per intended operation.") var idempotencyKey:
            String
        @Flag(help: "Wait until the operation is final; exit 1 unless CONFIRMED.") var wait = false

        func run() async throws {
            let (amount, resource, key) = (amountSun, self.resource, idempotencyKey)
            let operation = try await connection.withClient { client in
                try await client.stake(
                    .with {
                        $0.amountSun = amount
                        $0.resource = resource.proto
                        $0.idempotencyKey = key
                    })
            }
            try await TreasuryCommands.finish(operation, wait: wait, connection: connection)
        }
    }

    struct Unstake: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start unstaking TRX (withdraw after the delay).")
        @OptionGroup var connection: Connection
        @Option(name: .customLong("amount-sun"), help: "Sun to unstake.") var amountSun: Int64
        @Option(help: "energy or bandwidth.") var resource: Resource = .energy
        @Option(name: .customLong("idempotency-key"), help: "A new key per intended operation.") var idempotencyKey:
            String
        @Flag(help: "Wait until the operation is final; exit 1 unless CONFIRMED.") var wait = false

        func run() async throws {
            let (amount, resource, key) = (amountSun, self.resource, idempotencyKey)
            let operation = try await connection.withClient { client in
                try await client.unstake(
                    .with {
                        $0.amountSun = amount
                        $0.resource = resource.proto
                        $0.idempotencyKey = key
                    })
            }
            try await TreasuryCommands.finish(operation, wait: wait, connection: connection)
        }
    }

    struct Withdraw: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Withdraw the unstakes whose delay has passed.")
        @OptionGroup var connection: Connection
        @Option(name: .customLong("idempotency-key"), help: "A new key per intended operation.") var idempotencyKey:
            String
        @Flag(help: "Wait until the operation is final; exit 1 unless CONFIRMED.") var wait = false

        func run() async throws {
            let key = idempotencyKey
            let operation = try await connection.withClient { client in
                try await client.withdrawUnstaked(.with { $0.idempotencyKey = key })
            }
            try await TreasuryCommands.finish(operation, wait: wait, connection: connection)
        }
    }

    struct Delegate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lend staked energy or bandwidth to an account.")
        @OptionGroup var connection: Connection
        @Option(help: "The borrower, base58.") var to: String
        @Option(name: .customLong("amount-sun"), help: "The stake whose resource is lent, sun.") var amountSun: Int64
        @Option(help: "energy or bandwidth.") var resource: Resource = .energy
        @Flag(help: "Lock the delegation for 3 days.") var lock = false
        @Option(name: .customLong("idempotency-key"), help: "A new key per intended operation.") var idempotencyKey:
            String
        @Flag(help: "Wait until the operation is final; exit 1 unless CONFIRMED.") var wait = false

        func run() async throws {
            let (to, amount, resource, lock, key) = (self.to, amountSun, self.resource, self.lock, idempotencyKey)
            let operation = try await connection.withClient { client in
                try await client.delegateResource(
                    .with {
                        $0.receiverAddress = to
                        $0.amountSun = amount
                        $0.resource = resource.proto
                        $0.lock = lock
                        $0.idempotencyKey = key
                    })
            }
            try await TreasuryCommands.finish(operation, wait: wait, connection: connection)
        }
    }

    struct Undelegate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Take back energy or bandwidth lent to an account.")
        @OptionGroup var connection: Connection
        @Option(help: "The borrower, base58.") var to: String
        @Option(name: .customLong("amount-sun"), help: "The stake whose resource is taken back, sun.") var amountSun:
            Int64
        @Option(help: "energy or bandwidth.") var resource: Resource = .energy
        @Option(name: .customLong("idempotency-key"), help: "A new key per intended operation.") var idempotencyKey:
            String
        @Flag(help: "Wait until the operation is final; exit 1 unless CONFIRMED.") var wait = false

        func run() async throws {
            let (to, amount, resource, key) = (self.to, amountSun, self.resource, idempotencyKey)
            let operation = try await connection.withClient { client in
                try await client.undelegateResource(
                    .with {
                        $0.receiverAddress = to
                        $0.amountSun = amount
                        $0.resource = resource.proto
                        $0.idempotencyKey = key
                    })
            }
            try await TreasuryCommands.finish(operation, wait: wait, connection: connection)
        }
    }

    struct Operation: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One treasury operation by id, as JSON.")
        @OptionGroup var connection: Connection
        @Option(help: "The operation id (tr_…).") var id: String
        @Flag(help: "Wait until the operation is final; exit 1 unless CONFIRMED.") var wait = false

        func run() async throws {
            let id = self.id
            let operation = try await connection.withClient { client in
                try await client.getTreasuryOperation(.with { $0.operationID = id })
            }
            try await TreasuryCommands.finish(operation, wait: wait, connection: connection)
        }
    }
}
