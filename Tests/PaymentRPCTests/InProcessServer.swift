import Crypto
import Foundation
import GRPCCore
import GRPCInProcessTransport
import Logging
import PaymentAPI
import PaymentCore
import PaymentRPC
import PaymentStore
import Synchronization
import TronKit

/// A clock the test moves.
final class TestClock: WallClock {
    private let instant: Mutex<Date>
    init(_ start: Date) { instant = Mutex(start) }
    func now() -> Date { instant.withLock { $0 } }
    func advance(by seconds: TimeInterval) { instant.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// payment-rpc's services on an in-process transport over a ledger in a temporary directory.
struct InProcessServer {
    static let authority = Curve25519.Signing.PrivateKey()
    static let trusted = "TG3XXyExBkPp9nzdajDZsozEu4BkaSJozs"
    static let recipient = "TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf"

    let payments: Lucid_Payment_V1_PaymentService.Client<InProcessTransport.Client>
    let admin: Lucid_Payment_V1_AdminService.Client<InProcessTransport.Client>
    let health: Grpc_Health_V1_Health.Client<InProcessTransport.Client>
    let ledger: SQLiteLedger
    let clock: TestClock

    static var config: PaymentRPCConfig {
        var config = PaymentRPCConfig()
        config.limits = LimitPolicy(dailyUnits: USDT.units(10_000), hourlyUnits: USDT.units(1_000))
        config.directAllowlist = [try! TronAddress(base58: trusted)]
        config.complianceAuthority = ComplianceAuthority(publicKey: authority.publicKey)
        return config
    }

    /// Runs `body` against a fresh server; everything is torn down afterwards. `storeHealth` is probed once before
    /// the server starts (no probe runs after that: a test probes it again when it needs to).
    static func with(
        config: PaymentRPCConfig = config, start: Date = ISO8601DateFormatter().date(from: "2026-11-22T10:15:00Z")!,
        storeHealth: StoreHealth = StoreHealth(staleAfter: .seconds(3_600)),
        _ body: (InProcessServer) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rpc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let logger = Logger(label: "test")
        let ledger = try SQLiteLedger(path: directory.appendingPathComponent("l.sqlite").path, logger: logger)
        let clock = TestClock(start)
        await storeHealth.probe(ledger)
        let (services, _) = try await PaymentServer.services(
            config: config, ledger: ledger, storeHealth: storeHealth, clock: clock, logger: logger)
        let transport = InProcessTransport()
        let server = GRPCServer(
            transport: transport.server, services: services, interceptors: PaymentServer.interceptors(config: config))
        try await withGRPCClient(transport: transport.client) { client in
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await server.serve() }
                let harness = InProcessServer(
                    payments: .init(wrapping: client), admin: .init(wrapping: client), health: .init(wrapping: client),
                    ledger: ledger, clock: clock)
                defer { server.beginGracefulShutdown() }
                // Served before the body runs: a body that makes no call would otherwise stop the server before
                // `serve()` started it, which then throws serverIsStopped.
                _ = try await harness.health.check(.init())
                try await body(harness)
            }
        }
        try ledger.close()
    }

    /// Identity metadata as the sidecar sets it.
    static func caller(_ service: String = "api-gateway", user: String? = nil) -> Metadata {
        var metadata: Metadata = [:]
        metadata.addString("ops", forKey: "x-lucid-source-plane")
        metadata.addString(service, forKey: "x-lucid-source-service")
        if let user { metadata.addString(user, forKey: "x-lucid-user-id") }
        return metadata
    }

    static func createRequest(
        key: String, amount: Int64 = 5_000_000, recipient: String = recipient,
        router: Lucid_Payment_V1_RouterType = .unspecified
    ) -> Lucid_Payment_V1_CreatePayoutRequest {
        .with {
            $0.idempotencyKey = key
            $0.recipientAddress = recipient
            $0.amountUnits = amount
            $0.reason = "session reward"
            $0.router = router
        }
    }

    /// The default start of the test clock.
    static let start = ISO8601DateFormatter().date(from: "2026-11-22T10:15:00Z")!

    /// An attestation signed by the test authority for this payout (single by default, or a batch item), valid
    /// for a day after the test clock's start unless told otherwise.
    static func kyc(
        key: String, recipient: String = recipient, amount: Int64, domain: KYCApproval.Domain? = nil,
        notAfter: Int64 = Int64(start.timeIntervalSince1970) + 86_400
    ) -> Lucid_Payment_V1_KycAttestation {
        let hash = String(repeating: "cd", count: 32)
        let text = KYCApproval.canonicalText(
            domain: domain ?? .payout(idempotencyKey: key), recipient: recipient, amountUnits: amount,
            nodeID: "node-1", kycHash: hash, notAfterUnixSeconds: notAfter)
        return .with {
            $0.kycVerified = true
            $0.kycHash = hash
            $0.nodeID = "node-1"
            $0.complianceSignature = try! authority.signature(for: Data(text.utf8)).base64EncodedString()
            $0.notAfterUnixSeconds = notAfter
        }
    }
}

/// The gRPC status an RPC ended with.
func rpcError(_ body: () async throws -> some Any) async -> RPCError? {
    do {
        _ = try await body()
        return nil
    } catch let error as RPCError {
        return error
    } catch {
        return RPCError(code: .unknown, message: "\(error)")
    }
}
