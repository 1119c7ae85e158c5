import Foundation
import Hummingbird

/// A TCP address as configured: `host:port`, or `[address]:port` for IPv6. Ports 0–65535 (0 = any free port).
public struct HostPort: Sendable, Hashable, CustomStringConvertible {
    /// A hostname or an IP address, without brackets.
    public var host: String
    /// The TCP port, 0–65535.
    public var port: Int

    /// An address from its parts.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` or `[v6]:port`; nil when the host is empty, the port is not a number in 0–65535, or an
    /// unbracketed host holds a colon.
    public init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":"), colon != text.startIndex else { return nil }
        let portText = text[text.index(after: colon)...]
        guard !portText.isEmpty, portText.allSatisfy({ $0.isASCII && $0.isNumber }), let port = Int(portText),
            (0...65_535).contains(port)
        else { return nil }
        var host = text[..<colon]
        if host.hasPrefix("[") {
            guard host.hasSuffix("]"), host.count > 2 else { return nil }
            host = host.dropFirst().dropLast()
        } else if host.contains(":") {
            return nil
        }
        self.init(host: String(host), port: port)
    }

    /// `host:port`, with brackets around an IPv6 host.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// The address for a Hummingbird `Application` to bind.
    public var bindAddress: BindAddress { .hostname(host, port: port) }
}

/// http(s) URL checks shared by every program's configuration.
public enum HTTPURL {
    /// The URL when `text` is an absolute http or https URL with a host; nil otherwise.
    public static func parse(_ text: String) -> URL? {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = url.host, !host.isEmpty
        else { return nil }
        return url
    }
}
