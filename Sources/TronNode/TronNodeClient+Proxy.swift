import AsyncHTTPClient
import Logging

extension TronNodeClient {
    /// Runs `body` with the HTTP client that node clients should share: `HTTPClient.shared` without a proxy (what
    /// every client used before proxies existed), else a client of its own that sends every connection through
    /// `proxy` and is shut down when `body` returns or throws. There is no fallback: with the proxy down, node
    /// calls fail as unreachable rather than going out directly.
    public static func withHTTPClient<Result>(
        proxy: NodeProxy?, logger: Logger, isolation: isolated (any Actor)? = #isolation,
        _ body: (HTTPClient) async throws -> Result
    ) async throws -> Result {
        guard let proxy else { return try await body(.shared) }
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.proxy = proxy.httpClientProxy
        logger.debug("TRON node requests go through a proxy", metadata: ["proxy": "\(proxy)"])
        return try await HTTPClient.withHTTPClient(configuration: configuration) { http in
            try await body(http)
        }
    }
}
