import Foundation

/// A TRON account's secp256k1 private key. Its description never shows the key.
public struct TronPrivateKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    private let secret: [UInt8]
    /// The account address this key controls.
    public let address: TronAddress

    /// Wraps 32 secret bytes; refuses zero and values not below the curve order.
    public init(bytes: [UInt8]) throws(TronKeyError) {
        guard Secp256k1Context.shared.isValidSecretKey(bytes),
            let publicKey = Secp256k1Context.shared.publicKey(secretKey: bytes)
        else { throw .invalidPrivateKey }
        secret = bytes
        address = TronAddress(uncompressedPublicKey: publicKey)
    }

    /// Parses 64 hex characters (surrounding whitespace allowed, as in a key file).
    public init(hex text: String) throws(TronKeyError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.utf8.count == 64, let bytes = Hex.decode(trimmed) else { throw .invalidPrivateKey }
        try self.init(bytes: bytes)
    }

    /// A fresh random key.
    public static func generate() -> TronPrivateKey {
        var generator = SystemRandomNumberGenerator()
        while true {
            let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if let key = try? TronPrivateKey(bytes: bytes) { return key }
        }
    }

    /// The 64 hex characters of the key, for writing a key file. Handle with care.
    public func exportHex() -> String { Hex.encode(secret) }

    /// The 65-byte uncompressed public key.
    public var publicKey: [UInt8] { Secp256k1Context.shared.publicKey(secretKey: secret)! }

    /// Signs a 32-byte digest (a txID): r || s || v, v = 0/1, RFC 6979, low-s.
    public func sign(digest: [UInt8]) -> [UInt8] {
        Secp256k1Context.shared.signRecoverable(digest: digest, secretKey: secret)!
    }

    /// The key's address only: printing or logging a key never shows the secret.
    public var description: String { "TronPrivateKey(\(address.base58))" }
    /// The same as `description`: debuggers and dumps never show the secret either.
    public var debugDescription: String { description }
}

/// Signature recovery, as a node checks a transaction's owner.
public enum TronSignature {
    /// The address whose key produced `signature` over `digest`, or nil for a malformed signature.
    public static func recoverAddress(signature: [UInt8], digest: [UInt8]) -> TronAddress? {
        Secp256k1Context.shared.recover(signature: signature, digest: digest).map(
            TronAddress.init(uncompressedPublicKey:))
    }
}

/// Why key material was refused. Never carries the material itself.
public enum TronKeyError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidPrivateKey

    /// What a valid key looks like, without the refused material.
    public var description: String {
        "not a valid secp256k1 private key (expected 64 hex characters, non-zero and below the curve order)"
    }
}

extension TronAddress {
    /// 0x41 || keccak256(X || Y)[12..<32] of a 65-byte uncompressed public key.
    public init(uncompressedPublicKey key: [UInt8]) {
        let digest = Keccak256.hash(key.dropFirst())
        self.bytes = [TronAddress.prefix] + digest[12..<32]
    }
}
