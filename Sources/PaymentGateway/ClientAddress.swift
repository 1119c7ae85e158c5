#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IPv4 or IPv6 network, "10.0.0.0/8", "fd00::/8", or a single address ("127.0.0.1" = /32).
public struct CIDR: Sendable, Equatable, CustomStringConvertible {
    /// The network's address bytes (4 or 16).
    public let address: [UInt8]
    /// The prefix length in bits.
    public let prefixLength: Int

    /// Parses "address/prefix" or a bare address; nil when either part is not valid.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress.bytes(String(parts[0])) else { return nil }
        let bits = address.count * 8
        var prefix = bits
        if parts.count == 2 {
            guard let given = Int(parts[1]), (0...bits).contains(given) else { return nil }
            prefix = given
        }
        self.address = address
        self.prefixLength = prefix
    }

    /// Whether the address (4 or 16 bytes) is inside this network.
    public func contains(_ other: [UInt8]) -> Bool {
        guard other.count == address.count else { return false }
        var remaining = prefixLength
        for index in address.indices where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if address[index] & mask != other[index] & mask { return false }
            remaining -= bits
        }
        return true
    }

    /// "address/prefix", the address in its canonical text form.
    public var description: String { "\(IPAddress.text(address))/\(prefixLength)" }
}

/// Textual IP addresses to bytes and back (IPv4-mapped IPv6 addresses become IPv4).
enum IPAddress {
    static func bytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF { return Array(bytes[12...]) }
        return bytes
    }

    static func text(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        var address = in6_addr()
        withUnsafeMutableBytes(of: &address) { $0.copyBytes(from: bytes) }
        guard inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Who a request comes from, for limits on unauthenticated endpoints: the TCP peer, unless the peer is a
/// configured trusted proxy; then the right-most `X-Forwarded-For` entry that is not itself a trusted proxy (the
/// entries left of it were written by the caller and prove nothing).
public struct ClientAddressResolver: Sendable {
    /// The proxies whose `X-Forwarded-For` is believed; none by default (the header is then ignored).
    public var trustedProxies: [CIDR]

    /// A resolver believing `X-Forwarded-For` only from these networks.
    public init(trustedProxies: [CIDR] = []) { self.trustedProxies = trustedProxies }

    /// Parses `--trusted-proxy` values; throws naming the first one that is not a CIDR.
    public init(parsing specs: [String]) throws(TrustedProxyError) {
        var ranges: [CIDR] = []
        for spec in specs {
            guard let range = CIDR(spec) else { throw TrustedProxyError(value: spec) }
            ranges.append(range)
        }
        self.init(trustedProxies: ranges)
    }

    func isTrusted(_ bytes: [UInt8]) -> Bool { trustedProxies.contains { $0.contains(bytes) } }

    /// The client's address: `peer` (an IP address as text; nil for a non-IP peer) and the request's
    /// `X-Forwarded-For` header values, in order.
    public func clientAddress(peer: String?, forwardedFor: [String]) -> String {
        guard let peer, let peerBytes = IPAddress.bytes(peer) else { return peer ?? "unknown" }
        guard isTrusted(peerBytes) else { return IPAddress.text(peerBytes) }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingBlanks() }
            .filter { !$0.isEmpty }
        var closest = peerBytes
        for hop in hops.reversed() {
            // A hop that is not an address was not written by a proxy: the last proxy seen is the client.
            guard let bytes = IPAddress.bytes(hop) else { break }
            if !isTrusted(bytes) { return IPAddress.text(bytes) }
            closest = bytes
        }
        return IPAddress.text(closest)
    }
}

/// A `--trusted-proxy` value that is not an address or a CIDR.
public struct TrustedProxyError: Error, Sendable, CustomStringConvertible {
    /// The value given.
    public var value: String
    /// The value and what a valid one looks like, naming the flag.
    public var description: String {
        "--trusted-proxy \(value): not an IP address or CIDR (e.g. 10.0.0.0/8, 127.0.0.1, fd00::/8)"
    }
}

extension Substring {
    fileprivate func trimmingBlanks() -> String {
        var slice = self[...]
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
