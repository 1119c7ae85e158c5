import Crypto
import Foundation
import TronProto

/// Block ids as java-tron derives them (`Sha256Hash.generateBlockId`): the block number as 8 big-endian bytes,
/// then bytes 8..<32 of sha256(BlockHeader.raw).
public enum TronBlockID {
    /// The 32-byte id of the block whose header raw_data is `headerRaw`. Throws when the header cannot be serialized.
    public static func make(headerRaw: Protocol_BlockHeader.raw) throws -> [UInt8] {
        let digest = Array(SHA256.hash(data: try headerRaw.serializedData()))
        return withUnsafeBytes(of: UInt64(headerRaw.number).bigEndian, Array.init) + digest[8..<32]
    }

    /// The block number held in the first 8 bytes of an id.
    public static func number(of id: [UInt8]) -> Int64? {
        guard id.count == 32 else { return nil }
        return Int64(bitPattern: id[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
    }
}
