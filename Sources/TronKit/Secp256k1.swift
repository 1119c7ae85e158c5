import CSecp256k1

/// libsecp256k1 (Debian's libsecp256k1-dev) behind a small Swift surface: recoverable ECDSA signatures over a
/// 32-byte digest (RFC 6979 nonces, low-s by construction) and public key recovery.
final class Secp256k1Context: @unchecked Sendable {
    // libsecp256k1 contexts are safe for concurrent use once created (its documentation: all functions taking a
    // const context are thread-safe); we never mutate it after randomisation.
    let context: OpaquePointer

    static let shared = Secp256k1Context()

    private init() {
        context = secp256k1_context_create(UInt32(SECP256K1_CONTEXT_NONE))!
        var seed = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in seed.indices { seed[index] = UInt8.random(in: 0...255, using: &generator) }
        _ = secp256k1_context_randomize(context, seed)
    }

    deinit { secp256k1_context_destroy(context) }

    func isValidSecretKey(_ key: [UInt8]) -> Bool {
        key.count == 32 && secp256k1_ec_seckey_verify(context, key) == 1
    }

    /// The 65-byte uncompressed public key (0x04 || X || Y).
    func publicKey(secretKey: [UInt8]) -> [UInt8]? {
        var publicKey = secp256k1_pubkey()
        guard secp256k1_ec_pubkey_create(context, &publicKey, secretKey) == 1 else { return nil }
        return serialize(publicKey)
    }

    /// r || s || v with v = recovery id 0 or 1.
    func signRecoverable(digest: [UInt8], secretKey: [UInt8]) -> [UInt8]? {
        guard digest.count == 32 else { return nil }
        var signature = secp256k1_ecdsa_recoverable_signature()
        guard secp256k1_ecdsa_sign_recoverable(context, &signature, digest, secretKey, nil, nil) == 1 else {
            return nil
        }
        var output = [UInt8](repeating: 0, count: 64)
        var recoveryID: Int32 = 0
        _ = secp256k1_ecdsa_recoverable_signature_serialize_compact(context, &output, &recoveryID, &signature)
        return output + [UInt8(recoveryID)]
    }

    /// The uncompressed public key that made `signature` (r || s || v, v in 0, 1, 27, 28) over `digest`.
    func recover(signature: [UInt8], digest: [UInt8]) -> [UInt8]? {
        guard signature.count >= 65, digest.count == 32 else { return nil }
        var v = Int32(signature[64])
        if v >= 27 { v -= 27 }
        guard v == 0 || v == 1 else { return nil }
        var recoverable = secp256k1_ecdsa_recoverable_signature()
        guard
            secp256k1_ecdsa_recoverable_signature_parse_compact(context, &recoverable, Array(signature[0..<64]), v) == 1
        else { return nil }
        var publicKey = secp256k1_pubkey()
        guard secp256k1_ecdsa_recover(context, &publicKey, &recoverable, digest) == 1 else { return nil }
        return serialize(publicKey)
    }

    private func serialize(_ key: secp256k1_pubkey) -> [UInt8] {
        var key = key
        var output = [UInt8](repeating: 0, count: 65)
        var length = 65
        _ = secp256k1_ec_pubkey_serialize(context, &output, &length, &key, UInt32(SECP256K1_EC_UNCOMPRESSED))
        return output
    }
}
