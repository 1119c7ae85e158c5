/// A workload identity: `spiffe://<trust-domain>/plane/<plane>/service/<service>`, carried in a certificate's URI SAN.
public struct SpiffeID: Sendable, Hashable, CustomStringConvertible {
    public var trustDomain: String
    public var plane: String
    public var service: String

    public init(trustDomain: String, plane: String, service: String) {
        self.trustDomain = trustDomain
        self.plane = plane
        self.service = service
    }

    /// Parses the URI form; nil for anything else.
    public init?(uri: String) {
        guard uri.hasPrefix("spiffe://") else { return nil }
        let parts = uri.dropFirst("spiffe://".count).split(separator: "/", omittingEmptySubsequences: false).map(
            String.init)
        guard parts.count == 5, parts[1] == "plane", parts[3] == "service",
            [parts[0], parts[2], parts[4]].allSatisfy(Self.isName)
        else { return nil }
        self.init(trustDomain: parts[0], plane: parts[2], service: parts[4])
    }

    public var uri: String { "spiffe://\(trustDomain)/plane/\(plane)/service/\(service)" }
    public var description: String { uri }

    static func isName(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 63
            && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }
}
