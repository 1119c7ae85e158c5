import Crypto
import Foundation
import PaymentCore
import PaymentStore
import TronKit

/// Opaque page tokens: the cursor plus a digest of the filters it belongs to, so a token cannot be replayed
/// with other filters. Base64url text of "v1.<sequence>.<filter digest>".
///
/// A token the document's pattern allows but that names no page of this listing (never minted, or minted for other
/// filters) is NOT_FOUND, like an unknown id: the request is well formed, the page it names does not exist.
/// Malformed tokens never get here (the generated checks refuse them with INVALID_ARGUMENT).
enum PageToken {
    static func encode(_ cursor: PayoutCursor, filter: PayoutFilter) -> String {
        let text = "v1.\(cursor.sequence).\(digest(of: filter))"
        return Data(text.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ token: String, filter: PayoutFilter) throws(PaymentError) -> PayoutCursor {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else {
            throw notFound("is not a page token from a previous ListPayouts response")
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1", let sequence = Int64(parts[1]), sequence > 0 else {
            throw notFound("is not a page token from a previous ListPayouts response")
        }
        guard parts[2] == digest(of: filter) else {
            throw notFound("belongs to a listing with other filters; send the same filters with it")
        }
        return PayoutCursor(sequence: sequence)
    }

    private static func notFound(_ message: String) -> PaymentError {
        PaymentError(.notFound, message, field: "page_token")
    }

    private static func digest(of filter: PayoutFilter) -> String {
        let fields = [
            filter.status?.rawValue ?? "", filter.router?.rawValue ?? "", filter.recipient ?? "",
            filter.batchID ?? "", filter.requestedBy ?? "",
            filter.createdFrom.map { String($0.timeIntervalSince1970) } ?? "",
            filter.createdBefore.map { String($0.timeIntervalSince1970) } ?? "",
        ]
        return Hex.encode(SHA256.hash(data: Data(fields.joined(separator: "\u{1f}").utf8)).prefix(8))
    }
}
