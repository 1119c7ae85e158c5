/// The keys bearer tokens are verified with, checked once at start: exactly one of an HS256 secret (development)
/// or a JWKS (production), and an HS256 secret of at least `minimumHMACSecretBytes` bytes.
public struct TokenKeyConfiguration: Sendable {
    /// RFC 7518 §3.2: an HS256 key must be at least as long as the hash output (32 bytes).
    public static let minimumHMACSecretBytes = 32

    /// The HS256 secret, if any.
    public var hmacSecret: String?
    /// Where the secret came from, for messages (the flag and the file), never the secret itself.
    public var hmacSource: String
    /// The JWKS document, if any.
    public var jwksJSON: String?
    /// Where the JWKS came from, for messages.
    public var jwksSource: String

    /// Keys from the given sources; `hmacSource`/`jwksSource` name the flags in messages.
    public init(
        hmacSecret: String?, hmacSource: String = "--jwt-secret-file", jwksJSON: String?,
        jwksSource: String = "--jwks"
    ) {
        self.hmacSecret = hmacSecret
        self.hmacSource = hmacSource
        self.jwksJSON = jwksJSON
        self.jwksSource = jwksSource
    }

    /// Throws an error naming the offending flag: none or both configured, or an HS256 secret that is too short.
    public func validate() throws(TokenKeyConfigurationError) {
        switch (hmacSecret, jwksJSON) {
        case (nil, nil):
            throw TokenKeyConfigurationError(
                message: "\(Self.flag(hmacSource)) or \(Self.flag(jwksSource)) is required: the gateway needs keys "
                    + "to verify tokens with")
        case (.some, .some):
            throw TokenKeyConfigurationError(
                message:
                    "\(Self.flag(hmacSource)) and \(Self.flag(jwksSource)) are exclusive: configure an HS256 secret "
                    + "(development) or a JWKS (production), not both")
        case (.some(let secret), nil):
            let length = secret.utf8.count
            guard length >= Self.minimumHMACSecretBytes else {
                throw TokenKeyConfigurationError(
                    message: "\(hmacSource): the HS256 secret is \(length) bytes; it must be at least "
                        + "\(Self.minimumHMACSecretBytes) (make one with: head -c 32 /dev/urandom | base64)")
            }
        case (nil, .some):
            break
        }
    }

    /// The flag of a source such as "--jwt-secret-file /path/to/file".
    static func flag(_ source: String) -> String { String(source.prefix { $0 != " " }) }
}

/// A token key configuration the gateway refuses to start with.
public struct TokenKeyConfigurationError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, naming the flag (and file), never the secret.
    public var message: String
    /// The message.
    public var description: String { message }
}
