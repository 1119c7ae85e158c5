import GRPCCore
import NIOHPACK
import NIOHTTP2

/// Trailers-only gRPC responses the sidecar answers by itself (denials, an unavailable upstream).
enum GRPCStatusResponse {
    static let permissionDenied = RPCError.Code.permissionDenied.rawValue
    static let unavailable = RPCError.Code.unavailable.rawValue

    static func trailersOnly(status: Int, message: String) -> HTTP2Frame.FramePayload {
        let headers: HPACKHeaders = [
            ":status": "200", "content-type": "application/grpc", "grpc-status": String(status),
            "grpc-message": percentEncoded(message),
        ]
        return .headers(.init(headers: headers, endStream: true))
    }

    /// grpc-message is percent-encoded outside printable ASCII (and '%' itself), per the gRPC HTTP/2 spec.
    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            if byte >= 0x20 && byte <= 0x7e && byte != UInt8(ascii: "%") {
                out.append(Character(Unicode.Scalar(byte)))
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(2)
            }
        }
        return out
    }
}

extension String {
    func leftPadded(_ length: Int) -> String { String(repeating: "0", count: max(0, length - count)) + self }
}
