import AsyncHTTPClient

/// A proxy every node request goes through: SOCKS5 (Tor's `SocksPort`) or an HTTP proxy that tunnels with
/// `CONNECT`. Host names are sent to the proxy unresolved (SOCKS5 address type 3), so with Tor no DNS query for the
/// node leaves this host. It carries no credentials: Tor's SOCKS port needs none, and secrets do not belong in URLs.
public struct NodeProxy: Sendable, Hashable, CustomStringConvertible {
    /// How requests are handed to the proxy.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// SOCKS5 without authentication (`socks5://`), as Tor's SocksPort speaks it.
        case socks5
        /// An HTTP proxy (`http://`): each connection is a `CONNECT host:port` tunnel.
        case http
    }

    /// The protocol the proxy speaks.
    public var kind: Kind
    /// The proxy's host name or IP address (IPv6 without brackets).
    public var host: String
    /// The proxy's TCP port, 1–65535.
    public var port: Int

    /// A proxy from its parts; `init(url:)` validates text.
    public init(kind: Kind, host: String, port: Int) {
        self.kind = kind
        self.host = host
        self.port = port
    }

    /// `socks5://host:port` or `http://host:port` (`[v6]:port` for IPv6, one trailing slash allowed).
    /// - Throws: `NodeProxyError` saying what is wrong. A URL with credentials (`user:pass@`) is refused, and the
    ///   message does not repeat it.
    public init(url text: String) throws(NodeProxyError) {
        // Before any message that quotes the value: a value with credentials is never repeated.
        if text.contains("@") {
            throw NodeProxyError(
                "must not carry credentials (user:password@): Tor's SocksPort needs none, and secrets do not belong "
                    + "in URLs")
        }
        guard let separator = text.range(of: "://") else {
            throw NodeProxyError("must be socks5://host:port or http://host:port, got \"\(text)\"")
        }
        let scheme = text[..<separator.lowerBound].lowercased()
        var rest = text[separator.upperBound...]
        guard let kind = Kind(rawValue: scheme) else {
            throw NodeProxyError("the scheme must be socks5 or http, got \"\(scheme)\" in \"\(text)\"")
        }
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.contains(where: { "/?#".contains($0) }) else {
            throw NodeProxyError("must be \(scheme)://host:port with no path, query or fragment, got \"\(text)\"")
        }
        guard let (host, port) = Self.hostPort(rest) else {
            throw NodeProxyError("must be \(scheme)://host:port with a port from 1 to 65535, got \"\(text)\"")
        }
        self.init(kind: kind, host: host, port: port)
    }

    /// The proxy as a URL; IPv6 hosts in brackets.
    public var description: String {
        "\(kind.rawValue)://\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }

    /// The proxy as async-http-client configures one.
    public var httpClientProxy: HTTPClient.Configuration.Proxy {
        switch kind {
        case .socks5: .socksServer(host: host, port: port)
        case .http: .server(host: host, port: port)
        }
    }

    /// `host:port` or `[v6]:port` with a port in 1–65535 and a host of letters, digits, `.`, `-` and `_` (hex digits
    /// and colons in brackets); nil otherwise.
    static func hostPort(_ text: Substring) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        let portText = text[text.index(after: colon)...]
        guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
            let port = Int(portText), (1...65_535).contains(port)
        else { return nil }
        var host = text[..<colon]
        let allowed: (Character) -> Bool
        if host.hasPrefix("[") {
            guard host.hasSuffix("]"), host.count > 2 else { return nil }
            host = host.dropFirst().dropLast()
            allowed = { $0.isHexDigit || $0 == ":" || $0 == "." }
        } else {
            allowed = { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_") }
        }
        guard !host.isEmpty, host.allSatisfy(allowed) else { return nil }
        return (String(host), port)
    }
}

/// A proxy URL that cannot be used; `message` says why and never repeats credentials.
public struct NodeProxyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong and what is allowed.
    public var message: String

    /// An error with this message.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}
