import Testing

@testable import ServerSupport

@Suite("host:port parsing")
struct HostPortTests {
    @Test(
        "accepted forms",
        arguments: [
            ("127.0.0.1:8080", "127.0.0.1", 8080), ("localhost:0", "localhost", 0), ("[::1]:50051", "::1", 50051),
            ("node.example:65535", "node.example", 65535),
        ])
    func accepted(text: String, host: String, port: Int) throws {
        let address = try #require(HostPort(parsing: text))
        #expect(address == HostPort(host: host, port: port))
        #expect(address.description == text)
    }

    @Test(
        "refused forms",
        arguments: [
            "", "8080", ":8080", "host:", "host:-1", "host:65536", "host:80x", "::1:80", "[]:80", "[::1:80",
            "host:+80", "host:٨٠",
        ])
    func refused(text: String) {
        #expect(HostPort(parsing: text) == nil)
    }

    @Test("http(s) URLs only, with a host")
    func urls() {
        #expect(HTTPURL.parse("http://127.0.0.1:8090") != nil)
        #expect(HTTPURL.parse("HTTPS://node.example/path") != nil)
        for text in ["ftp://x", "http://", "127.0.0.1:8090", "", "file:///etc/passwd"] {
            #expect(HTTPURL.parse(text) == nil, "\(text)")
        }
    }
}
