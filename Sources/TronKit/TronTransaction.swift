import Foundation
import Crypto
import SwiftProtobuf
import TronProto

/// The TaPoS reference of a transaction: bytes 6..<8 (the block number's last two bytes) and 8..<16 of a block id.
public struct ReferenceBlock: Sendable, Equatable {
    /// raw_data.ref_block_bytes: the referenced block number's last two bytes.
    public let bytes: [UInt8]
    /// raw_data.ref_block_hash: bytes 8..<16 of the referenced block id.
    public let hash: [UInt8]

    /// From a 32-byte block id (whose first 8 bytes are the block number).
    public init(blockID: [UInt8]) throws(TronTransactionError) {
        guard blockID.count == 32 else { throw .invalidBlockID }
        bytes = Array(blockID[6..<8])
        hash = Array(blockID[8..<16])
    }
}

/// TRC-20 call data.
public enum TRC20 {
    /// keccak256("transfer(address,uint256)")[0..<4]
    public static let transferSelector: [UInt8] = [0xa9, 0x05, 0x9c, 0xbb]
    /// keccak256("balanceOf(address)")[0..<4]
    public static let balanceOfSelector: [UInt8] = [0x70, 0xa0, 0x82, 0x31]

    /// `transfer(to, amount)`: selector || left-padded 20-byte address || uint256 big-endian amount.
    public static func transferCallData(to: TronAddress, amount: Int64) -> [UInt8] {
        transferSelector + word(address: to) + word(amount: amount)
    }

    /// `balanceOf(owner)` arguments (the 32-byte parameter, without selector).
    public static func balanceOfParameter(owner: TronAddress) -> [UInt8] { word(address: owner) }

    /// The 20-byte account id left-padded to 32 bytes (the 0x41 prefix dropped).
    public static func word(address: TronAddress) -> [UInt8] {
        [UInt8](repeating: 0, count: 12) + address.bytes.dropFirst()
    }

    /// A non-negative amount as a 32-byte big-endian word.
    public static func word(amount: Int64) -> [UInt8] {
        precondition(amount >= 0, "TRC-20 amounts are unsigned")
        return [UInt8](repeating: 0, count: 24) + withUnsafeBytes(of: UInt64(amount).bigEndian, Array.init)
    }

    /// Decodes a `transfer(address,uint256)` call: the recipient and amount, or nil for other data or an
    /// amount above Int64.
    public static func decodeTransfer(_ data: [UInt8]) -> (to: TronAddress, amount: Int64)? {
        guard data.count == 68, Array(data[0..<4]) == transferSelector,
            data[4..<16].allSatisfy({ $0 == 0 }), data[36..<60].allSatisfy({ $0 == 0 }),
            let to = try? TronAddress(bytes: [TronAddress.prefix] + data[16..<36])
        else { return nil }
        let amount = data[60..<68].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard amount <= UInt64(Int64.max) else { return nil }
        return (to, Int64(amount))
    }
}

/// Building, hashing and signing the transactions a payout needs.
public enum TronTransaction {
    /// A USDT (TRC-20) transfer: TriggerSmartContract calling `transfer(to, amount)` on `contract`.
    public static func trc20Transfer(
        owner: TronAddress, to: TronAddress, amount: Int64, contract: TronAddress, reference: ReferenceBlock,
        timestamp: Int64, expiration: Int64, feeLimit: Int64
    ) throws -> Protocol_Transaction.raw {
        let trigger = Protocol_TriggerSmartContract.with {
            $0.ownerAddress = Data(owner.bytes)
            $0.contractAddress = Data(contract.bytes)
            $0.data = Data(TRC20.transferCallData(to: to, amount: amount))
        }
        return try raw(
            type: .triggerSmartContract, parameter: trigger, reference: reference, timestamp: timestamp,
            expiration: expiration, feeLimit: feeLimit)
    }

    /// A TRX transfer: TransferContract of `amount` sun.
    public static func trxTransfer(
        owner: TronAddress, to: TronAddress, amount: Int64, reference: ReferenceBlock, timestamp: Int64,
        expiration: Int64
    ) throws -> Protocol_Transaction.raw {
        let transfer = Protocol_TransferContract.with {
            $0.ownerAddress = Data(owner.bytes)
            $0.toAddress = Data(to.bytes)
            $0.amount = amount
        }
        return try raw(
            type: .transferContract, parameter: transfer, reference: reference, timestamp: timestamp,
            expiration: expiration, feeLimit: 0)
    }

    static func raw(
        type: Protocol_Transaction.Contract.ContractType, parameter: some SwiftProtobuf.Message,
        reference: ReferenceBlock, timestamp: Int64, expiration: Int64, feeLimit: Int64
    ) throws -> Protocol_Transaction.raw {
        var contract = Protocol_Transaction.Contract()
        contract.type = type
        contract.parameter = try Google_Protobuf_Any(message: parameter, typePrefix: "type.googleapis.com")
        return .with {
            $0.refBlockBytes = Data(reference.bytes)
            $0.refBlockHash = Data(reference.hash)
            $0.expiration = expiration
            $0.timestamp = timestamp
            $0.feeLimit = feeLimit
            $0.contract = [contract]
        }
    }

    /// The canonical bytes of raw_data (fields in number order, defaults omitted).
    public static func serialize(_ raw: Protocol_Transaction.raw) throws -> [UInt8] {
        try [UInt8](raw.serializedData())
    }

    /// txID = sha256(raw_data bytes).
    public static func txid(rawBytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: rawBytes)) }

    /// Signs raw_data bytes with `key`.
    public static func sign(rawBytes: [UInt8], with key: TronPrivateKey) throws -> SignedTronTransaction {
        let id = txid(rawBytes: rawBytes)
        let raw = try Protocol_Transaction.raw(serializedBytes: rawBytes)
        return SignedTronTransaction(rawBytes: rawBytes, raw: raw, txid: id, signature: key.sign(digest: id))
    }
}

/// A signed transaction: exactly the bytes that were signed, their id and the signature.
public struct SignedTronTransaction: Sendable, Equatable {
    /// The serialized raw_data, exactly as signed and as the txID hashes it.
    public let rawBytes: [UInt8]
    /// The decoded raw_data (contract, expiration, fee_limit, TaPoS).
    public let raw: Protocol_Transaction.raw
    /// sha256(rawBytes), 32 bytes.
    public let txid: [UInt8]
    /// The 65-byte recoverable signature r || s || v over `txid`; empty when unsigned.
    public let signature: [UInt8]

    /// Assembles a transaction from its parts; the caller guarantees that `raw` decodes `rawBytes` and `txid` hashes it.
    public init(rawBytes: [UInt8], raw: Protocol_Transaction.raw, txid: [UInt8], signature: [UInt8]) {
        self.rawBytes = rawBytes
        self.raw = raw
        self.txid = txid
        self.signature = signature
    }

    /// Parses a whole signed Transaction protobuf (as `broadcasthex` takes it).
    public init(transactionBytes: [UInt8]) throws {
        let transaction = try Protocol_Transaction(serializedBytes: transactionBytes)
        let rawBytes = try TronTransaction.serialize(transaction.rawData)
        self.init(
            rawBytes: rawBytes, raw: transaction.rawData, txid: TronTransaction.txid(rawBytes: rawBytes),
            signature: transaction.signature.first.map { [UInt8]($0) } ?? [])
    }

    /// The txID as 64 lowercase hex characters, as the node's HTTP API shows it.
    public var txidHex: String { Hex.encode(txid) }

    /// The whole Transaction protobuf: raw_data (the signed bytes, verbatim) and the signature. Encoded by hand
    /// so raw_data is never re-serialized.
    public var transactionBytes: [UInt8] {
        var bytes: [UInt8] = [0x0a]
        bytes += varint(UInt64(rawBytes.count)) + rawBytes
        bytes += [0x12] + varint(UInt64(signature.count)) + signature
        return bytes
    }

    private func varint(_ value: UInt64) -> [UInt8] {
        var value = value
        var bytes: [UInt8] = []
        repeat {
            var byte = UInt8(value & 0x7f)
            value >>= 7
            if value != 0 { byte |= 0x80 }
            bytes.append(byte)
        } while value != 0
        return bytes
    }
}

/// Why a transaction could not be built.
public enum TronTransactionError: Error, Equatable, Sendable {
    /// A block id must be 32 bytes.
    case invalidBlockID
}
