import AsyncHTTPClient
import Foundation
import Logging
import Metrics
import NIOCore
import NIOHTTP1
import TronKit

/// The calls the payout processor makes to a TRON full node.
public protocol TronNodeAPI: Sendable {
    /// The head block (`/wallet/getnowblock`).
    func nowBlock() async throws -> BlockSummary
    /// The latest solidified block (`/walletsolidity/getnowblock`): TaPoS references and finality use it.
    func solidBlock() async throws -> BlockSummary
    /// Sends the signed bytes (`/wallet/broadcasthex`). A refusal is a reply with a code; throws when unanswered, in
    /// which case the bytes may have been accepted.
    func broadcast(_ transaction: SignedTronTransaction) async throws -> BroadcastReply
    /// nil only when the node answers a real `{}`: the transaction is in no block (with `solid`, in no solid
    /// block). `{"Error": …}`, an unexpected shape or no answer throws: never read those as "absent".
    func transactionInfo(txid: String, solid: Bool) async throws -> TransactionReceipt?
    /// Whether the node knows the transaction (`gettransactionbyid`; with `solid`, the solidity endpoint): false
    /// only for a real `{}`, and an error or unexpected answer throws.
    func transactionExists(txid: String, solid: Bool) async throws -> Bool
    /// `owner`'s balance in the TRC-20 `contract`, in base units (`balanceOf` by `triggerconstantcontract`).
    func trc20Balance(owner: TronAddress, contract: TronAddress) async throws -> Int64
    /// `address`'s TRX in sun; 0 for an account the node does not know.
    func trxBalance(of address: TronAddress) async throws -> Int64
    /// The chain parameters by name (getEnergyFee, getTransactionFee, getMaxFeeLimit …).
    func chainParameters() async throws -> [String: Int64]
    /// `address`'s bandwidth and energy limits and usage (`getaccountresource`: EnergyLimit, EnergyUsed,
    /// freeNetLimit, freeNetUsed, NetLimit, NetUsed …); a key the node leaves out is 0, an unknown account `[:]`.
    func accountResource(of address: TronAddress) async throws -> [String: Int64]
    /// The energy a TRC-20 `transfer(to, amount)` from `owner` on `contract` takes now, dynamic-energy penalty
    /// included (`triggerconstantcontract`'s `energy_used`). Throws when the node gives no figure.
    func estimateTransferEnergy(owner: TronAddress, to: TronAddress, amount: Int64, contract: TronAddress)
        async throws -> Int64
}

/// The full node's HTTP API over async-http-client, reading its real shapes: defaults omitted, errors as HTTP 200
/// with `code`/`message` (hex) or `{"Error": …}`, `{}` for not found. Retries with jittered exponential backoff on
/// transport errors, 5xx, SERVER_BUSY and NO_CONNECTION.
public struct TronNodeClient: TronNodeAPI {
    /// Where the node is and how patiently to call it.
    public struct Configuration: Sendable {
        /// The full node's base URL (`/wallet/*`), without a trailing slash.
        public var fullNodeURL: String
        /// The solidity node's base URL (`/walletsolidity/*`), without a trailing slash.
        public var solidityNodeURL: String
        /// Sent as TRON-PRO-API-KEY when set. Never logged.
        public var apiKey: String?
        /// The deadline of one HTTP attempt.
        public var timeout: Duration = .seconds(5)
        /// Attempts per call, the first included (a broadcast makes one HTTP attempt per send).
        public var maxAttempts = 4
        /// The first retry waits up to this (full jitter), doubling per attempt up to 64×.
        public var backoffBase: Duration = .milliseconds(100)
        /// What this node is to its user, the `node` label of `tron_node_requests_total`: `primary` (the node payouts
        /// are sent to) by default, `cross_check` for the nodes that must agree. A fixed word, never a URL.
        public var role = "primary"

        /// A node at `fullNodeURL` (and `solidityNodeURL`, the full node's when nil); trailing slashes are dropped.
        public init(fullNodeURL: String, solidityNodeURL: String? = nil, apiKey: String? = nil) {
            self.fullNodeURL = fullNodeURL.hasSuffix("/") ? String(fullNodeURL.dropLast()) : fullNodeURL
            let solidity = solidityNodeURL ?? fullNodeURL
            self.solidityNodeURL = solidity.hasSuffix("/") ? String(solidity.dropLast()) : solidity
            self.apiKey = apiKey
        }
    }

    /// The node and the retry settings in use.
    public let configuration: Configuration
    let http: HTTPClient
    let logger: Logger

    /// A client of the node `configuration` names, over `http`; retries are logged at debug level to `logger`.
    public init(configuration: Configuration, http: HTTPClient = .shared, logger: Logger) {
        self.configuration = configuration
        self.http = http
        self.logger = logger
    }

    /// The head block. Throws `TronNodeError` after the retries, or when the answer has no block id.
    public func nowBlock() async throws -> BlockSummary {
        try Self.block(from: try await call("/wallet/getnowblock", [:]))
    }

    /// The latest solid block, from the solidity URL. Throws as `nowBlock()` does.
    public func solidBlock() async throws -> BlockSummary {
        try Self.block(from: try await call("/walletsolidity/getnowblock", [:], solidity: true))
    }

    /// Broadcasts with `broadcasthex`; SERVER_BUSY and NO_CONNECTION (not taken) are sent again after a backoff,
    /// anything else is returned. Throws `unreachable` after one unanswered HTTP attempt and `node` for `{"Error": …}`.
    public func broadcast(_ transaction: SignedTronTransaction) async throws -> BroadcastReply {
        var attempt = 0
        while true {
            attempt += 1
            // One HTTP attempt per send: after a transport error, a timeout or a 5xx the bytes may have reached the
            // node, so resending them here would hide that; the caller learns "unanswered" and treats the bytes as
            // possibly accepted (PayoutProcessor rule 7). SERVER_BUSY and NO_CONNECTION below mean "not taken".
            let json = try await call(
                "/wallet/broadcasthex", ["transaction": Hex.encode(transaction.transactionBytes)], attempts: 1)
            if let error = json["Error"] as? String { throw TronNodeError.node(error) }
            let code = json["code"] as? String
            let reply = BroadcastReply(
                code: (json["result"] as? Bool) == true || code == "SUCCESS" ? nil : (code ?? "OTHER_ERROR"),
                message: json["message"] as? String ?? "", txid: json["txid"] as? String ?? transaction.txidHex)
            // The node is busy or has no peers: the same bytes may be sent again.
            if let code = reply.code,
                code == "SERVER_BUSY" || code == "NO_CONNECTION" || code == "NOT_ENOUGH_EFFECTIVE_CONNECTION",
                attempt < configuration.maxAttempts
            {
                try await backoff(attempt)
                continue
            }
            return reply
        }
    }

    /// The receipt (`gettransactioninfobyid`; with `solid`, only once solid), nil only for a real `{}`.
    public func transactionInfo(txid: String, solid: Bool) async throws -> TransactionReceipt? {
        let path = solid ? "/walletsolidity/gettransactioninfobyid" : "/wallet/gettransactioninfobyid"
        let json = try await call(path, ["value": txid], solidity: solid)
        return try Self.receipt(from: json, txid: txid, path: path)
    }

    /// Reads a `gettransactioninfobyid` answer: `{}` is absent, a receipt for another txID or without a block is
    /// an error (a node that answers something else must not be read as "not on chain").
    static func receipt(from json: [String: Any], txid: String, path: String) throws -> TransactionReceipt? {
        if json.isEmpty { return nil }
        if let error = json["Error"] { throw TronNodeError.node("\(path): \(error)") }
        guard let id = json["id"] as? String, id.lowercased() == txid.lowercased() else {
            throw TronNodeError.node("\(path) answered without the transaction's id (keys \(json.keys.sorted()))")
        }
        guard let number = Self.int(json["blockNumber"]), number >= 0, let time = Self.int(json["blockTimeStamp"])
        else {
            throw TronNodeError.node("\(path) answered a receipt without blockNumber and blockTimeStamp")
        }
        let receipt = json["receipt"] as? [String: Any] ?? [:]
        let netUsage = Self.int(receipt["net_usage"]) ?? 0
        let netFee = Self.int(receipt["net_fee"]) ?? 0
        let message = (json["resMessage"] as? String).map {
            Hex.decode($0).map { String(decoding: $0, as: UTF8.self) } ?? $0
        }
        return TransactionReceipt(
            txid: id, blockNumber: number, blockTimestamp: time,
            fee: Self.int(json["fee"]) ?? 0, energyUsed: Self.int(receipt["energy_usage_total"]) ?? 0,
            bandwidthUsed: netUsage > 0 ? netUsage : netFee / 1_000, contractResult: receipt["result"] as? String,
            failed: (json["result"] as? String) == "FAILED", message: message)
    }

    /// Whether the node holds the transaction (`gettransactionbyid`), false only for a real `{}`.
    public func transactionExists(txid: String, solid: Bool) async throws -> Bool {
        let path = solid ? "/walletsolidity/gettransactionbyid" : "/wallet/gettransactionbyid"
        let json = try await call(path, ["value": txid], solidity: solid)
        return try Self.exists(from: json, txid: txid, path: path)
    }

    /// Reads a `gettransactionbyid` answer: `{}` is false, the transaction is true, anything else throws.
    static func exists(from json: [String: Any], txid: String, path: String) throws -> Bool {
        if json.isEmpty { return false }
        if let error = json["Error"] { throw TronNodeError.node("\(path): \(error)") }
        guard let id = json["txID"] as? String, id.lowercased() == txid.lowercased() else {
            throw TronNodeError.node("\(path) answered without the transaction's txID (keys \(json.keys.sorted()))")
        }
        return true
    }

    /// `owner`'s balance in base units. Throws when the answer is not one 32-byte word that fits an Int64.
    public func trc20Balance(owner: TronAddress, contract: TronAddress) async throws -> Int64 {
        let json = try await call(
            "/wallet/triggerconstantcontract",
            [
                "owner_address": owner.hex, "contract_address": contract.hex, "function_selector": "balanceOf(address)",
                "parameter": Hex.encode(TRC20.balanceOfParameter(owner: owner)),
            ])
        guard let word = (json["constant_result"] as? [String])?.first.flatMap(Hex.decode), word.count == 32,
            word[0..<24].allSatisfy({ $0 == 0 })
        else { throw TronNodeError.node("balanceOf returned \(json)") }
        return Int64(bitPattern: word[24..<32].reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
    }

    /// `address`'s TRX in sun (`getaccount`); 0 for an unknown account (`{}`).
    public func trxBalance(of address: TronAddress) async throws -> Int64 {
        Self.int(try await call("/wallet/getaccount", ["address": address.hex])["balance"]) ?? 0
    }

    /// `getnodeinfo`: the head and solid block numbers as the node reports them ("Num:N,ID:…").
    public func nodeInfo() async throws -> (head: Int64, solid: Int64) {
        let json = try await call("/wallet/getnodeinfo", [:])
        func number(_ key: String) -> Int64? {
            (json[key] as? String).flatMap { $0.split(separator: ",").first }.flatMap { Int64($0.dropFirst(4)) }
        }
        guard let head = number("block"), let solid = number("solidityBlock") else {
            throw TronNodeError.node("getnodeinfo without block numbers")
        }
        return (head, solid)
    }

    /// `getaccountresource`: the account's bandwidth and energy limits and usage, as the node names them.
    public func accountResource(of address: TronAddress) async throws -> [String: Int64] {
        let json = try await call("/wallet/getaccountresource", ["address": address.hex])
        return json.compactMapValues { Self.int($0) }
    }

    /// `triggerconstantcontract` of `transfer(to, amount)`: its `energy_used`, which a REVERT (an owner without the
    /// USDT) also reports. Throws on an answer without a non-negative `energy_used` (a validation error, `{}`).
    public func estimateTransferEnergy(
        owner: TronAddress, to: TronAddress, amount: Int64, contract: TronAddress
    ) async throws -> Int64 {
        let json = try await call(
            "/wallet/triggerconstantcontract",
            [
                "owner_address": owner.hex, "contract_address": contract.hex,
                "function_selector": "transfer(address,uint256)",
                "parameter": Hex.encode(TRC20.word(address: to) + TRC20.word(amount: amount)),
            ])
        guard let energy = Self.int(json["energy_used"]), energy >= 0 else {
            throw TronNodeError.node("triggerconstantcontract transfer gave no energy_used: \(json)")
        }
        return energy
    }

    /// The chain parameters by key (`getchainparameters`); a parameter sent without a value is 0.
    public func chainParameters() async throws -> [String: Int64] {
        let json = try await call("/wallet/getchainparameters", [:])
        var parameters: [String: Int64] = [:]
        for entry in json["chainParameter"] as? [[String: Any]] ?? [] {
            if let key = entry["key"] as? String { parameters[key] = Self.int(entry["value"]) ?? 0 }
        }
        return parameters
    }

    /// POSTs JSON, retrying transport errors and 5xx with jittered exponential backoff, up to `attempts` tries
    /// (`configuration.maxAttempts` when nil). Counts each call's final outcome in
    /// `tron_node_requests_total{node, endpoint, outcome}` (`node` is `configuration.role`): `ok`, `refused` (the
    /// node answered with an error or an
    /// unexpected shape) or `unreachable` (no answer, or 5xx, after every try), so a node that cannot be reached
    /// shows even while no payout is in flight.
    func call(
        _ path: String, _ body: [String: Any], solidity: Bool = false, attempts: Int? = nil
    ) async throws -> [String: Any] {
        let outcome: String
        do {
            let json = try await callWithRetries(path, body, solidity: solidity, attempts: attempts)
            count(path, "ok")
            return json
        } catch let error as TronNodeError {
            switch error {
            case .node: outcome = "refused"
            case .unreachable: outcome = "unreachable"
            }
            count(path, outcome)
            throw error
        }
    }

    func count(_ path: String, _ outcome: String) {
        Counter(
            label: "tron_node_requests_total",
            dimensions: [("node", configuration.role), ("endpoint", path), ("outcome", outcome)]
        ).increment()
    }

    func callWithRetries(
        _ path: String, _ body: [String: Any], solidity: Bool, attempts: Int?
    ) async throws -> [String: Any] {
        let maxAttempts = attempts ?? configuration.maxAttempts
        let base = solidity ? configuration.solidityNodeURL : configuration.fullNodeURL
        var request = HTTPClientRequest(url: base + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let key = configuration.apiKey { request.headers.add(name: "TRON-PRO-API-KEY", value: key) }
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        var attempt = 0
        while true {
            attempt += 1
            do {
                let response = try await http.execute(
                    request,
                    timeout: .nanoseconds(
                        Int64(configuration.timeout.components.seconds) * 1_000_000_000 + configuration.timeout
                            .components.attoseconds / 1_000_000_000))
                let bytes = try await response.body.collect(upTo: 16 << 20)
                guard response.status.code < 500 else {
                    throw TronNodeError.unreachable("HTTP \(response.status.code) from \(path)")
                }
                guard response.status.code == 200 else {
                    throw TronNodeError.node("HTTP \(response.status.code) from \(path)")
                }
                guard
                    let json = try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView)) as? [String: Any]
                else {
                    throw TronNodeError.node("\(path) answered something other than a JSON object")
                }
                return json
            } catch let error as TronNodeError {
                if case .node = error { throw error }
                guard attempt < maxAttempts else { throw error }
            } catch {
                guard attempt < maxAttempts else { throw TronNodeError.unreachable("\(path): \(error)") }
            }
            logger.debug("retrying TRON node call", metadata: ["path": "\(path)", "attempt": "\(attempt)"])
            try await backoff(attempt)
        }
    }

    /// base × 2^(attempt−1), with full jitter.
    func backoff(_ attempt: Int) async throws {
        let ceiling = configuration.backoffBase * (1 << min(attempt - 1, 6))
        let nanoseconds =
            Int64(ceiling.components.seconds) * 1_000_000_000 + ceiling.components.attoseconds / 1_000_000_000
        try await Task.sleep(for: .nanoseconds(Int64.random(in: 0...max(1, nanoseconds))))
    }

    static func int(_ value: Any?) -> Int64? {
        if let number = value as? NSNumber { return number.int64Value }
        if let text = value as? String { return Int64(text) }
        return nil
    }

    static func block(from json: [String: Any]) throws -> BlockSummary {
        guard let id = (json["blockID"] as? String).flatMap(Hex.decode), id.count == 32 else {
            throw TronNodeError.node("no blockID in \(json.keys.sorted())")
        }
        let raw = (json["block_header"] as? [String: Any])?["raw_data"] as? [String: Any] ?? [:]
        return BlockSummary(number: int(raw["number"]) ?? 0, id: id, timestamp: int(raw["timestamp"]) ?? 0)
    }
}
