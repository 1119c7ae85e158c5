import Foundation

/// Reads the HS256 secret from a file only its owner may read (mode 0600 or stricter), trimmed of surrounding
/// white space; used by `payment-gateway serve` and `payment-gateway token`.
public enum HMACSecretFile {
    /// The secret in `path`. `givenAs` names where the path was given (e.g. "--jwt-secret-file") in messages.
    /// - Throws: `GatewayStartupError` when the file cannot be read or group or others may read it; the message
    ///   names `givenAs` and the path, never the secret.
    public static func read(_ path: String, givenAs: String) throws(GatewayStartupError) -> String {
        let attributes: [FileAttributeKey: Any]
        let text: String
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw GatewayStartupError("\(givenAs): cannot read \(path) (\(error.localizedDescription))")
        }
        let mode = (attributes[.posixPermissions] as? Int ?? 0) & 0o777
        guard mode & 0o077 == 0 else {
            throw GatewayStartupError(
                "\(givenAs): \(path) has mode \(String(mode, radix: 8)); it must be readable by its owner only "
                    + "(chmod 600)")
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// The gateway cannot start: a file it needs is unreadable or unsafe, or its token keys are refused.
public struct GatewayStartupError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, naming the flag, variable or key and the file, never a secret.
    public var message: String
    /// An error with this message.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}
