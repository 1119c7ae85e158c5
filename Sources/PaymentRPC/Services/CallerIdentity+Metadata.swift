import GRPCCore
import PaymentCore

/// The metadata keys the sidecar sets after proving the caller (see the file comment of payment.proto).
public enum LucidMetadata {
    public static let sourcePlane = "x-lucid-source-plane"
    public static let sourceService = "x-lucid-source-service"
    public static let userID = "x-lucid-user-id"
    public static let userRole = "x-lucid-user-role"
    public static let requestID = "x-request-id"
}

extension CallerIdentity {
    /// Reads the identity metadata; values that are empty or not simple tokens are ignored.
    public init(metadata: Metadata) {
        func value(_ key: String) -> String? {
            guard let text = metadata[stringValues: key].first(where: { _ in true }) else { return nil }
            let valid = !text.isEmpty && text.utf8.count <= 128
                && text.utf8.allSatisfy { (0x21...0x7e).contains($0) && $0 != UInt8(ascii: "/") }
            return valid ? text : nil
        }
        self.init(
            plane: value(LucidMetadata.sourcePlane), service: value(LucidMetadata.sourceService),
            userID: value(LucidMetadata.userID), userRole: value(LucidMetadata.userRole))
    }
}
