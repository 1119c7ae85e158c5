/// A TRON account or contract address: 21 bytes, `0x41` followed by the 20-byte account id.
///
/// Its text form is Base58Check of the 21 bytes (34 characters starting with "T"). Parsing is strict, as
/// java-tron's `DecodeUtil.addressValid`: the checksum must match, the payload must be 21 bytes, and it must start
/// with `0x41`.
public struct TronAddress: Hashable, Sendable, CustomStringConvertible {
    /// The mainnet (and every public TRON network's) address prefix.
    public static let prefix: UInt8 = 0x41

    /// The 21 address bytes, prefix included.
    public let bytes: [UInt8]

    /// Wraps 21 bytes that start with the TRON prefix.
    public init(bytes: [UInt8]) throws(TronAddressError) {
        guard bytes.count == 21 else { throw .wrongLength(bytes.count) }
        guard bytes[0] == Self.prefix else { throw .wrongPrefix(bytes[0]) }
        self.bytes = bytes
    }

    /// Parses the base58check form ("T…").
    public init(base58 text: String) throws(TronAddressError) {
        let payload: [UInt8]
        do {
            payload = try Base58Check.decode(text)
        } catch {
            throw .base58(error)
        }
        try self.init(bytes: payload)
    }

    /// The base58check form, 34 characters starting with "T".
    public var base58: String { Base58Check.encode(bytes) }

    /// The 42-character lowercase hex form ("41…"), as the node's HTTP API shows with `visible: false`.
    public var hex: String { Hex.encode(bytes) }

    /// The base58check form, as users and tronpy write addresses.
    public var description: String { base58 }
}

/// Why a text or byte string is not a TRON address.
public enum TronAddressError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text is not valid Base58Check.
    case base58(Base58Error)
    /// The payload is not 21 bytes.
    case wrongLength(Int)
    /// The payload does not start with 0x41.
    case wrongPrefix(UInt8)

    /// Why the text is not an address, for an error message.
    public var description: String {
        switch self {
        case .base58(let error): error.description
        case .wrongLength(let count): "decodes to \(count) bytes, a TRON address has 21"
        case .wrongPrefix(let prefix):
            "starts with byte 0x\(Hex.encode([prefix])), a TRON address starts with 0x41"
        }
    }
}
