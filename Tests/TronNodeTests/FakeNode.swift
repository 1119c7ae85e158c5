import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import TronNode

/// One scripted answer of the fake node.
enum FakeAnswer: Sendable {
    /// HTTP 200 with this JSON text.
    case json(String)
    /// This status with a short text body.
    case status(Int)
    /// Sleeps this long, then answers `{}`.
    case hang(Duration)
    /// HTTP 200 with a JSON object of about this many bytes.
    case oversized(Int)
}

/// A request the fake node received.
struct FakeRequest: Sendable {
    var path: String
    var apiKey: String?
    var contentType: String?
    var body: String
}

/// The answers per path (taken in order; the last one repeats) and the requests received.
actor FakeNodeScript {
    private var answers: [String: [FakeAnswer]]
    private(set) var requests: [FakeRequest] = []

    init(_ answers: [String: [FakeAnswer]]) { self.answers = answers }

    func next(for request: FakeRequest) -> FakeAnswer {
        requests.append(request)
        guard var queue = answers[request.path], let first = queue.first else { return .status(404) }
        if queue.count > 1 {
            queue.removeFirst()
            answers[request.path] = queue
        }
        return first
    }

    func count(_ path: String) -> Int { requests.filter { $0.path == path }.count }
}

/// The paths TronNodeClient calls.
let nodePaths = [
    "/wallet/getnowblock", "/walletsolidity/getnowblock", "/wallet/broadcasthex", "/wallet/gettransactioninfobyid",
    "/walletsolidity/gettransactioninfobyid", "/wallet/gettransactionbyid", "/walletsolidity/gettransactionbyid",
    "/wallet/triggerconstantcontract", "/wallet/getaccount", "/wallet/getnodeinfo", "/wallet/getaccountresource",
    "/wallet/getchainparameters",
]

/// Runs `body` with a TronNodeClient pointed at an in-process HTTP server on 127.0.0.1 (a free port) that answers
/// from `answers`. The client retries quickly (1 ms backoff) and times out after `timeout`; it names the node
/// `host` (which must reach 127.0.0.1) and, with `proxy`, sends every request through it.
func withFakeNode(
    _ answers: [String: [FakeAnswer]], apiKey: String? = nil, maxAttempts: Int = 3,
    timeout: Duration = .seconds(5), host: String = "127.0.0.1", proxy: NodeProxy? = nil,
    _ body: @Sendable (TronNodeClient, FakeNodeScript) async throws -> Void
) async throws {
    let script = FakeNodeScript(answers)
    let router = Router()
    for path in nodePaths {
        router.post(RouterPath(path)) { request, _ -> Response in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            let received = FakeRequest(
                path: path, apiKey: request.headers.first { $0.name.canonicalName == "tron-pro-api-key" }?.value,
                contentType: request.headers[.contentType], body: String(buffer: bytes))
            switch await script.next(for: received) {
            case .json(let text):
                return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: text)))
            case .status(let code):
                return Response(status: .init(code: code), body: .init(byteBuffer: ByteBuffer(string: "fault\n")))
            case .hang(let duration):
                try await Task.sleep(for: duration)
                return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "{}")))
            case .oversized(let size):
                let text = "{\"padding\":\"" + String(repeating: "x", count: size) + "\"}"
                return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: text)))
            }
        }
    }
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    try await app.test(.live) { client in
        var configuration = TronNodeClient.Configuration(
            fullNodeURL: "http://\(host):\(client.port!)/", apiKey: apiKey)
        configuration.maxAttempts = maxAttempts
        configuration.backoffBase = .milliseconds(1)
        configuration.timeout = timeout
        let logger = Logger(label: "fake-node")
        try await TronNodeClient.withHTTPClient(proxy: proxy, logger: logger) { http in
            try await body(TronNodeClient(configuration: configuration, http: http, logger: logger), script)
        }
    }
}
