import NIOCore
import NIOPosix
import Testing
import TronNode

@Suite("NodeProxy: the proxy URL")
struct NodeProxyParsingTests {
    @Test(
        "socks5:// and http:// with a host and a port are accepted",
        arguments: [
            ("socks5://127.0.0.1:9050", NodeProxy(kind: .socks5, host: "127.0.0.1", port: 9050)),
            ("SOCKS5://tor.internal:9050/", NodeProxy(kind: .socks5, host: "tor.internal", port: 9050)),
            ("socks5://[::1]:9050", NodeProxy(kind: .socks5, host: "::1", port: 9050)),
            ("http://proxy-1.internal:3128", NodeProxy(kind: .http, host: "proxy-1.internal", port: 3128)),
            ("http://10.0.0.1:1", NodeProxy(kind: .http, host: "10.0.0.1", port: 1)),
        ])
    func accepted(text: String, proxy: NodeProxy) throws {
        #expect(try NodeProxy(url: text) == proxy)
    }

    @Test(
        "anything else is refused, saying why",
        arguments: [
            ("127.0.0.1:9050", "socks5://host:port or http://host:port"),
            ("https://127.0.0.1:443", "scheme must be socks5 or http"),
            ("socks4://127.0.0.1:9050", "scheme must be socks5 or http"),
            ("socks5h://127.0.0.1:9050", "scheme must be socks5 or http"),
            ("socks5://127.0.0.1", "port from 1 to 65535"),
            ("socks5://127.0.0.1:0", "port from 1 to 65535"),
            ("socks5://127.0.0.1:65536", "port from 1 to 65535"),
            ("socks5://:9050", "port from 1 to 65535"),
            ("socks5://a b:9050", "port from 1 to 65535"),
            ("http://proxy:3128/path", "no path, query or fragment"),
            ("http://proxy:3128?x=1", "no path, query or fragment"),
        ])
    func refused(text: String, problem: String) {
        #expect {
            try NodeProxy(url: text)
        } throws: { error in
            (error as? NodeProxyError)?.message.contains(problem) == true
        }
    }

    @Test("credentials are refused, and the message does not repeat them")
    func credentials() {
        for text in [
            "socks5://user:s3cret@127.0.0.1:9050", "http://s3cret@proxy:3128", "user:s3cret@proxy:1080",
            "ftp://s3cret@proxy:21",
        ] {
            #expect {
                try NodeProxy(url: text)
            } throws: { error in
                let message = (error as? NodeProxyError)?.message ?? ""
                return message.contains("must not carry credentials") && !message.contains("s3cret")
            }
        }
    }

    @Test("the description is the URL again, IPv6 in brackets")
    func description() throws {
        for text in ["socks5://127.0.0.1:9050", "http://proxy:3128", "socks5://[::1]:9050"] {
            #expect(try NodeProxy(url: text).description == text)
        }
    }
}

@Suite("TronNodeClient through a proxy")
struct TronNodeProxyTests {
    static let answers: [String: [FakeAnswer]] = [
        "/wallet/getnowblock": [.json(blockJSON)], "/walletsolidity/getnowblock": [.json(blockJSON)],
        "/wallet/broadcasthex": [.json("{\"result\":true,\"txid\":\"\(sample.txidHex)\"}")],
    ]

    static func port(of client: TronNodeClient) -> Int? {
        client.configuration.fullNodeURL.split(separator: ":").last.flatMap { Int($0) }
    }

    @Test("SOCKS5: every call goes through the proxy, to the node's address")
    func socks5() async throws {
        try await TestProxy.with { proxy in
            let url = NodeProxy(kind: .socks5, host: "127.0.0.1", port: proxy.port)
            try await withFakeNode(Self.answers, proxy: url) { client, script in
                #expect(try await client.nowBlock().number == 3082)
                #expect(try await client.solidBlock().number == 3082)
                #expect(try await client.broadcast(sample).accepted)
                #expect(await script.requests.count == 3)
                let tunnels = proxy.connections
                #expect(!tunnels.isEmpty)
                let expected = ProxiedConnection(
                    kind: "socks5", host: "127.0.0.1", port: try #require(Self.port(of: client)), addressType: 1)
                #expect(tunnels.allSatisfy { $0 == expected }, "\(tunnels)")
            }
        }
    }

    @Test("SOCKS5: a host name is sent to the proxy unresolved (no local DNS lookup, as Tor needs)")
    func socks5HostName() async throws {
        try await TestProxy.with { proxy in
            let url = NodeProxy(kind: .socks5, host: "127.0.0.1", port: proxy.port)
            try await withFakeNode(Self.answers, host: "localhost", proxy: url) { client, script in
                #expect(try await client.nowBlock().number == 3082)
                let tunnel = try #require(proxy.connections.first)
                #expect(tunnel.addressType == 3 && tunnel.host == "localhost")
                #expect(tunnel.port == Self.port(of: client))
            }
        }
    }

    @Test("HTTP proxy: every call is tunnelled with CONNECT host:port")
    func httpConnect() async throws {
        try await TestProxy.with { proxy in
            let url = NodeProxy(kind: .http, host: "127.0.0.1", port: proxy.port)
            try await withFakeNode(Self.answers, proxy: url) { client, script in
                #expect(try await client.nowBlock().number == 3082)
                #expect(try await client.broadcast(sample).accepted)
                #expect(await script.requests.count == 2)
                let tunnels = proxy.connections
                let port = try #require(Self.port(of: client))
                #expect(!tunnels.isEmpty)
                #expect(tunnels.allSatisfy { $0.kind == "http" && $0.host == "127.0.0.1" && $0.port == port })
            }
        }
    }

    @Test(
        "a proxy that is down makes the node unreachable: no request goes out directly",
        arguments: NodeProxy.Kind.allCases)
    func proxyDown(kind: NodeProxy.Kind) async throws {
        // A port that was free a moment ago: nothing listens on it.
        let probe = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(probe.localAddress?.port)
        try await probe.close()
        let proxy = NodeProxy(kind: kind, host: "127.0.0.1", port: port)
        // async-http-client retries a refused connection until the request's deadline: keep it short.
        try await withFakeNode(Self.answers, maxAttempts: 2, timeout: .seconds(1), proxy: proxy) { client, script in
            await #expect {
                try await client.nowBlock()
            } throws: { error in
                if case .unreachable = error as? TronNodeError { return true }
                return false
            }
            #expect(await script.requests.isEmpty)
        }
    }
}
