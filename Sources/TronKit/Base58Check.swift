import Crypto

/// Base58Check: Base58 of `payload || sha256(sha256(payload))[0..<4]`.
public enum Base58Check {
    /// Encodes a payload with its 4-byte checksum.
    public static func encode(_ payload: [UInt8]) -> String {
        Base58.encode(payload + checksum(payload))
    }

    /// Decodes and verifies the checksum, returning the payload.
    public static func decode(_ text: String) throws(Base58Error) -> [UInt8] {
        let bytes = try Base58.decode(text)
        guard bytes.count > 4 else { throw .tooShort }
        let payload = Array(bytes.dropLast(4))
        guard Array(bytes.suffix(4)) == checksum(payload) else { throw .badChecksum }
        return payload
    }

    static func checksum(_ payload: [UInt8]) -> [UInt8] {
        let once = SHA256.hash(data: payload)
        let twice = SHA256.hash(data: Array(once))
        return Array(twice.prefix(4))
    }
}
