// swift-format-ignore-file: AlwaysUseLowerCamelCase
// The Decodable vector types below use the vector files' own JSON keys (snake_case) as their property names.
import Foundation
import Testing
import TronProto

@testable import TronKit

/// Every signing-related vector of vectors.json, byte for byte.
struct SigningVectors: Decodable {
    struct HashVectors: Decodable {
        struct Vector: Decodable {
            var input_utf8: String
            var keccak256: String
            var sha3_256_fips202: String
        }
        var vectors: [Vector]
    }
    struct AddressVectors: Decodable {
        struct Vector: Decodable {
            var private_key: String
            var public_key_uncompressed: String
            var hex_address: String
            var base58check: String
        }
        var vectors: [Vector]
    }
    struct Transfer: Decodable {
        var private_key, owner_base58, to_base58, contract_base58, ref_block_id, call_data, raw_data_hex, txID: String
        var signature, signature_v27, signed_transaction_protobuf_hex, ref_block_bytes, ref_block_hash: String
        var amount_units, timestamp, expiration, fee_limit: Int64
    }
    struct BalanceOf: Decodable {
        var parameter_for_to_address: String
        var data: String
    }
    struct Upstream: Decodable {
        var txID_expected: String
        var raw_data_hex: String
    }
    struct BlockIDCheck: Decodable {
        var block_header_raw_hex: String
        var published_blockID: String
    }

    var hash_vectors: HashVectors
    var address_vectors: AddressVectors
    var usdt_transfer_offline: Transfer
    var usdt_balanceof_call: BalanceOf
    var tronpy_upstream_offline_vectors_verified: [Upstream]
    var block_id_check: BlockIDCheck

    static let shared: SigningVectors = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Fixtures/vectors.json")
        return try! JSONDecoder().decode(SigningVectors.self, from: Data(contentsOf: url))
    }()
}

@Suite("TronKit known-answer vectors")
struct TronCryptoVectorTests {
    let vectors = SigningVectors.shared

    @Test("Keccak-256, not SHA3-256")
    func keccak() {
        #expect(vectors.hash_vectors.vectors.count >= 6)
        for vector in vectors.hash_vectors.vectors {
            let digest = Hex.encode(Keccak256.hash(Array(vector.input_utf8.utf8)))
            #expect(digest == vector.keccak256, "\(vector.input_utf8)")
            #expect(digest != vector.sha3_256_fips202)
        }
        // Inputs longer than one 136-byte block.
        #expect(
            Keccak256.hash([UInt8](repeating: 0x61, count: 200)) != Keccak256.hash([UInt8](repeating: 0x61, count: 199))
        )
    }

    @Test("private key → public key → address")
    func addresses() throws {
        #expect(vectors.address_vectors.vectors.count >= 4)
        for vector in vectors.address_vectors.vectors {
            let key = try TronPrivateKey(hex: vector.private_key)
            #expect(Hex.encode(key.publicKey) == vector.public_key_uncompressed)
            #expect(key.address.hex == vector.hex_address)
            #expect(key.address.base58 == vector.base58check)
        }
    }

    @Test("the USDT transfer: call data, raw_data, txID, signature and the signed protobuf, byte for byte")
    func usdtTransfer() throws {
        let vector = vectors.usdt_transfer_offline
        let key = try TronPrivateKey(hex: vector.private_key)
        #expect(key.address.base58 == vector.owner_base58)
        let to = try TronAddress(base58: vector.to_base58)
        #expect(Hex.encode(TRC20.transferCallData(to: to, amount: vector.amount_units)) == vector.call_data)
        let reference = try ReferenceBlock(blockID: try #require(Hex.decode(vector.ref_block_id)))
        #expect(Hex.encode(reference.bytes) == vector.ref_block_bytes)
        #expect(Hex.encode(reference.hash) == vector.ref_block_hash)
        let raw = try TronTransaction.trc20Transfer(
            owner: key.address, to: to, amount: vector.amount_units,
            contract: try TronAddress(base58: vector.contract_base58),
            reference: reference, timestamp: vector.timestamp, expiration: vector.expiration, feeLimit: vector.fee_limit
        )
        let rawBytes = try TronTransaction.serialize(raw)
        #expect(Hex.encode(rawBytes) == vector.raw_data_hex)
        let signed = try TronTransaction.sign(rawBytes: rawBytes, with: key)
        #expect(signed.txidHex == vector.txID)
        #expect(Hex.encode(signed.signature) == vector.signature)
        #expect(Hex.encode(signed.transactionBytes) == vector.signed_transaction_protobuf_hex)
        let parsed = try SignedTronTransaction(transactionBytes: signed.transactionBytes)
        #expect(parsed == signed)
        #expect(
            TRC20.decodeTransfer(
                Array(try Protocol_TriggerSmartContract(unpackingAny: raw.contract[0].parameter).data))! == (
                    to, vector.amount_units
                ))
    }

    @Test("signatures recover to the signer, in both v conventions; a wrong digest recovers someone else")
    func recovery() throws {
        let vector = vectors.usdt_transfer_offline
        let digest = try #require(Hex.decode(vector.txID))
        let owner = try TronAddress(base58: vector.owner_base58)
        #expect(
            TronSignature.recoverAddress(signature: try #require(Hex.decode(vector.signature)), digest: digest) == owner
        )
        #expect(
            TronSignature.recoverAddress(signature: try #require(Hex.decode(vector.signature_v27)), digest: digest)
                == owner)
        var other = digest
        other[0] ^= 1
        #expect(
            TronSignature.recoverAddress(signature: try #require(Hex.decode(vector.signature)), digest: other) != owner)
        #expect(TronSignature.recoverAddress(signature: [1, 2, 3], digest: digest) == nil)
    }

    @Test("generated keys sign with low s and recover")
    func generatedKeys() {
        let order = Hex.decode("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")!
        let halfOrder = order.map { $0 }  // compare s against n/2 by shifting right one bit
        var half = [UInt8](repeating: 0, count: 32)
        var carry: UInt8 = 0
        for index in 0..<32 {
            half[index] = (halfOrder[index] >> 1) | carry
            carry = (halfOrder[index] & 1) << 7
        }
        for _ in 0..<20 {
            let key = TronPrivateKey.generate()
            let digest = (0..<32).map { _ in UInt8.random(in: 0...255) }
            let signature = key.sign(digest: digest)
            #expect(signature.count == 65 && signature[64] <= 1)
            #expect(Array(signature[32..<64]).lexicographicallyPrecedes(half) || Array(signature[32..<64]) == half)
            #expect(TronSignature.recoverAddress(signature: signature, digest: digest) == key.address)
        }
    }

    @Test("a private key never shows in descriptions")
    func keyDescription() throws {
        let key = try TronPrivateKey(hex: vectors.usdt_transfer_offline.private_key)
        #expect(!"\(key)".contains(vectors.usdt_transfer_offline.private_key))
        #expect(!String(reflecting: key).contains("6b9f6343"))
        #expect(throws: TronKeyError.self) { try TronPrivateKey(hex: String(repeating: "0", count: 64)) }
        #expect(throws: TronKeyError.self) {
            try TronPrivateKey(hex: "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")
        }
    }

    @Test("balanceOf parameter")
    func balanceOf() throws {
        let to = try TronAddress(base58: vectors.usdt_transfer_offline.to_base58)
        #expect(Hex.encode(TRC20.balanceOfParameter(owner: to)) == vectors.usdt_balanceof_call.parameter_for_to_address)
        #expect(
            Hex.encode(TRC20.balanceOfSelector + TRC20.balanceOfParameter(owner: to))
                == vectors.usdt_balanceof_call.data)
    }

    @Test("tronpy's upstream raw_data round-trips and hashes to its txID")
    func upstream() throws {
        #expect(vectors.tronpy_upstream_offline_vectors_verified.count == 2)
        for vector in vectors.tronpy_upstream_offline_vectors_verified {
            let bytes = try #require(Hex.decode(vector.raw_data_hex))
            let raw = try Protocol_Transaction.raw(serializedBytes: bytes)
            #expect(try TronTransaction.serialize(raw) == bytes)
            #expect(Hex.encode(TronTransaction.txid(rawBytes: bytes)) == vector.txID_expected)
        }
    }

    @Test("block ids as java-tron derives them")
    func blockID() throws {
        let header = try Protocol_BlockHeader.raw(
            serializedBytes: try #require(Hex.decode(vectors.block_id_check.block_header_raw_hex)))
        let id = try TronBlockID.make(headerRaw: header)
        #expect(Hex.encode(id) == vectors.block_id_check.published_blockID)
        #expect(TronBlockID.number(of: id) == header.number)
    }
}
