import GRPCCore
import PaymentCore

/// The metadata keys the sidecar sets after proving the caller (see the file comment of payment.proto).
public enum LucidMetadata {
    /// The proven caller's plane, e.g. "ops"; comes with `sourceService`.
    public static let sourcePlane = "x-lucid-source-plane"
    /// The proven caller's service in its plane, e.g. "api-gateway"; comes with `sourcePlane`.
    public static let sourceService = "x-lucid-source-service"
    /// An end user the caller acts for, kept by the sidecar only when its ACL lets that caller assert one.
    public static let userID = "x-lucid-user-id"
    /// That end user's role; needs `userID`.
    public static let userRole = "x-lucid-user-role"
    /// The request id the sidecar keeps or makes; payment-rpc only logs it (not checked, not part of the identity).
    public static let requestID = "x-request-id"
}

extension CallerIdentity {
    /// Reads the identity metadata. A header that is present must hold exactly one simple token (1-128 printable
    /// ASCII characters, no "/", no space); anything else is refused with INVALID_ARGUMENT naming the header, never
    /// dropped (a dropped user id would put the caller in another principal's idempotency scope). A user id or role
    /// needs the plane and service, and the plane and service come together.
    public init(metadata: Metadata) throws(PaymentError) {
        func value(_ key: String) throws(PaymentError) -> String? {
            let values = Array(metadata[stringValues: key])
            if values.isEmpty {
                guard metadata[binaryValues: key].first(where: { _ in true }) == nil else {
                    throw .invalid(key, "must be a text header")
                }
                return nil
            }
            guard values.count == 1 else { throw .invalid(key, "must be sent once, got \(values.count) values") }
            let text = values[0]
            guard !text.isEmpty, text.utf8.count <= 128,
                text.utf8.allSatisfy({ (0x21...0x7e).contains($0) && $0 != UInt8(ascii: "/") })
            else {
                throw .invalid(key, "must be 1-128 printable ASCII characters without spaces or \"/\"")
            }
            return text
        }
        let plane = try value(LucidMetadata.sourcePlane)
        let service = try value(LucidMetadata.sourceService)
        let userID = try value(LucidMetadata.userID)
        let userRole = try value(LucidMetadata.userRole)
        if plane == nil, service != nil {
            throw .invalid(LucidMetadata.sourcePlane, "is required with \(LucidMetadata.sourceService)")
        }
        if plane != nil, service == nil {
            throw .invalid(LucidMetadata.sourceService, "is required with \(LucidMetadata.sourcePlane)")
        }
        if plane == nil, userID != nil {
            throw .invalid(
                LucidMetadata.userID, "needs \(LucidMetadata.sourcePlane) and \(LucidMetadata.sourceService)")
        }
        if userID == nil, userRole != nil {
            throw .invalid(LucidMetadata.userRole, "needs \(LucidMetadata.userID)")
        }
        self.init(plane: plane, service: service, userID: userID, userRole: userRole)
    }

    /// Whether the call carries an identity (plane and service).
    public var isAuthenticated: Bool { plane != nil && service != nil }

    /// "<plane>/<service>", the form `admin.allowed_callers` lists; nil without identity.
    public var callerName: String? {
        guard let plane, let service else { return nil }
        return "\(plane)/\(service)"
    }
}
