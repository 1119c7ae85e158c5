// swift-format-ignore-file: AlwaysUseLowerCamelCase
// The Decodable vector types below use the vector files' own JSON keys (snake_case) as their property names.
import Foundation
import Testing

@testable import TronKit

/// The known-answer vectors of ../shared/tron/vectors.json, copied to Fixtures/vectors.json.
struct Vectors: Decodable {
    struct DecodeCase: Decodable, CustomTestStringConvertible {
        struct Strict: Decodable {
            var ok: Bool
            var hex: String?
            var error: String?
        }
        var name: String
        var input: String
        var strict_decode: Strict
        var testDescription: String { name }
    }
    struct DecodeCases: Decodable { var cases: [DecodeCase] }

    var base58check_decode_cases: DecodeCases
    var known_addresses: [String: String]

    static let shared: Vectors = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Fixtures/vectors.json")
        return try! JSONDecoder().decode(Vectors.self, from: Data(contentsOf: url))
    }()
}

@Suite("Base58Check addresses against the known-answer vectors")
struct Base58CheckVectorTests {
    @Test("strict decode matches java-tron's rules", arguments: Vectors.shared.base58check_decode_cases.cases)
    func strictDecode(_ vector: Vectors.DecodeCase) throws {
        let result = Result { () throws(TronAddressError) in try TronAddress(base58: vector.input) }
        switch (vector.strict_decode.ok, result) {
        case (true, .success(let address)):
            #expect(address.hex == vector.strict_decode.hex)
            #expect(address.base58 == vector.input)
        case (false, .failure(let error)):
            switch (vector.strict_decode.error, error) {
            case ("bad_checksum", .base58(.badChecksum)), ("wrong_prefix", .wrongPrefix),
                ("wrong_length", .wrongLength),
                ("invalid_base58_char", .base58(.invalidCharacter)), ("too_short", .base58(.tooShort)):
                break
            default:
                Issue.record("expected \(vector.strict_decode.error ?? "?"), got \(error)")
            }
        case (let ok, let result):
            Issue.record("expected ok=\(ok), got \(result)")
        }
    }

    @Test("known addresses encode and decode both ways")
    func knownAddresses() throws {
        #expect(Vectors.shared.known_addresses.count >= 6)
        for (base58, hex) in Vectors.shared.known_addresses {
            let decoded = try TronAddress(base58: base58)
            #expect(decoded.hex == hex)
            let encoded = try TronAddress(bytes: try #require(Hex.decode(hex)))
            #expect(encoded.base58 == base58)
        }
    }

    @Test("error messages say what is wrong")
    func messages() {
        #expect(TronAddressError.wrongPrefix(0xa0).description.contains("0xa0"))
        #expect(
            TronAddressError.base58(.invalidCharacter("0", offset: 5)).description
                == "invalid base58 character '0' at position 5")
    }
}

@Suite("Base58 and hex")
struct EncodingTests {
    @Test("leading zero bytes become leading 1s and back")
    func leadingZeros() throws {
        #expect(Base58.encode([0, 0, 1]) == "112")
        #expect(try Base58.decode("112") == [0, 0, 1])
        #expect(Base58.encode([]) == "")
    }

    @Test("round trip of random byte strings")
    func roundTrip() throws {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<40 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(try Base58.decode(Base58.encode(bytes)) == bytes)
        }
    }

    @Test("non-ASCII input is refused, not crashed on")
    func nonASCII() {
        #expect(throws: Base58Error.self) { try Base58.decode("TR7NHqjé") }
    }

    @Test("over-long text is refused before decoding, whatever its characters")
    func tooLong() throws {
        let long = String(repeating: "z", count: 200_000)
        #expect(throws: Base58Error.tooLong(200_000, maximum: Base58.defaultMaxLength)) { try Base58.decode(long) }
        #expect(throws: Base58Error.tooLong(129, maximum: 128)) {
            try Base58.decode(String(repeating: "é", count: 129))
        }
        #expect(throws: TronAddressError.base58(.tooLong(200_001, maximum: 128))) {
            try TronAddress(base58: "T" + long)
        }
        // 128 is still accepted, so the limit does not cut into anything real.
        #expect(try Base58.decode(String(repeating: "1", count: 128)) == [UInt8](repeating: 0, count: 128))
    }

    @Test("hex is strict")
    func hex() {
        #expect(Hex.decode("0aFf") == [0x0a, 0xff])
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
        #expect(Hex.encode([0x00, 0xab]) == "00ab")
    }
}
