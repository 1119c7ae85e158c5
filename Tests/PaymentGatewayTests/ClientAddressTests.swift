import Testing

@testable import PaymentGateway

@Suite("Client address for the health rate limit")
struct ClientAddressTests {
    @Test("without trusted proxies X-Forwarded-For is ignored: the peer is the client")
    func untrustedPeer() {
        let resolver = ClientAddressResolver()
        #expect(resolver.clientAddress(peer: "127.0.0.1", forwardedFor: ["1.2.3.4"]) == "127.0.0.1")
        #expect(resolver.clientAddress(peer: "::ffff:10.1.2.3", forwardedFor: []) == "10.1.2.3")
    }

    @Test("behind a trusted proxy: the right-most untrusted entry, whatever the caller wrote to its left")
    func trustedProxy() throws {
        let resolver = try ClientAddressResolver(parsing: ["10.0.0.0/8", "127.0.0.1"])
        #expect(resolver.clientAddress(peer: "127.0.0.1", forwardedFor: ["6.6.6.6, 203.0.113.7"]) == "203.0.113.7")
        #expect(
            resolver.clientAddress(peer: "10.2.3.4", forwardedFor: ["6.6.6.6", "203.0.113.7, 10.9.9.9"])
                == "203.0.113.7")
        #expect(resolver.clientAddress(peer: "127.0.0.1", forwardedFor: []) == "127.0.0.1")
        // A non-address entry was not written by a proxy: the last proxy seen stands for the client.
        #expect(resolver.clientAddress(peer: "127.0.0.1", forwardedFor: ["anything, 10.0.0.5"]) == "10.0.0.5")
        // A peer outside the trusted networks is never believed.
        #expect(resolver.clientAddress(peer: "192.0.2.1", forwardedFor: ["203.0.113.7"]) == "192.0.2.1")
    }

    @Test(
        "CIDR parsing and matching",
        arguments: [
            ("10.0.0.0/8", "10.255.1.1", true), ("10.0.0.0/8", "11.0.0.1", false),
            ("192.168.1.0/25", "192.168.1.127", true),
            ("192.168.1.0/25", "192.168.1.128", false), ("fd00::/8", "fd12::1", true), ("fd00::/8", "fe80::1", false),
            ("0.0.0.0/0", "8.8.8.8", true), ("::1", "::1", true), ("127.0.0.1", "127.0.0.2", false),
        ])
    func cidr(range: String, address: String, inside: Bool) throws {
        let cidr = try #require(CIDR(range))
        #expect(cidr.contains(try #require(IPAddress.bytes(address))) == inside)
    }

    @Test(
        "bad --trusted-proxy values are refused, naming the value",
        arguments: ["10.0.0.0/33", "example.com", "1.2.3.4/x", ""])
    func badSpec(spec: String) {
        let error = #expect(throws: TrustedProxyError.self) { try ClientAddressResolver(parsing: [spec]) }
        #expect(error?.description.hasPrefix("--trusted-proxy \(spec):") == true)
    }
}
