/// A workload identity: `spiffe://<trust-domain>/plane/<plane>/service/<service>`, carried in a certificate's URI SAN.
public struct SpiffeID: Sendable, Hashable, CustomStringConvertible {
    /// The trust domain (`trust_domain`, e.g. `lucid`): a simple name, the URI's authority.
    public var trustDomain: String
    /// The caller's plane, e.g. `wallet` or `ops`, as the ACL rules name it.
    public var plane: String
    /// The service within the plane, e.g. `tron-payment` or `api-gateway`.
    public var service: String

    /// An identity from its three names; they are not checked (the URI parser checks them).
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

    /// The URI form, `spiffe://<trust-domain>/plane/<plane>/service/<service>`, as written in the URI SAN.
    public var uri: String { "spiffe://\(trustDomain)/plane/\(plane)/service/\(service)" }
    /// The URI form, for logs.
    public var description: String { uri }

    /// The identity `plane/service` within `trustDomain` (as `beta-sidecar certs --issue` takes it); nil unless
    /// it is two parts and all three names are simple names.
    public init?(trustDomain: String, planeAndService text: String) {
        guard let (plane, service) = Self.planeAndService(text) else { return nil }
        self.init(uri: "spiffe://\(trustDomain)/plane/\(plane)/service/\(service)")
    }

    /// Splits `plane/service` (empty parts dropped, so `/a/b/` is `a`, `b`); nil unless exactly two parts remain.
    /// The names are not checked.
    public static func planeAndService(_ text: String) -> (plane: String, service: String)? {
        let parts = text.split(separator: "/").map(String.init)
        guard parts.count == 2 else { return nil }
        return (parts[0], parts[1])
    }

    static func isName(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 63
            && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }
}
