/// Base58 with the Bitcoin alphabet, as TRON uses it for addresses.
public enum Base58 {
    static let alphabet = Array("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".utf8)

    /// The value of each ASCII byte in the alphabet, or -1.
    static let digitValues: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = Int8(index) }
        return table
    }()

    /// Encodes bytes; each leading zero byte becomes a leading "1".
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        let zeros = bytes.prefix { $0 == 0 }.count
        // Big-endian base-58 digits, built by repeated multiply-and-add.
        var digits: [UInt8] = []
        digits.reserveCapacity(bytes.count * 138 / 100 + 1)
        for byte in bytes.dropFirst(zeros) {
            var carry = Int(byte)
            for index in digits.indices.reversed() {
                carry += Int(digits[index]) << 8
                digits[index] = UInt8(carry % 58)
                carry /= 58
            }
            while carry > 0 {
                digits.insert(UInt8(carry % 58), at: 0)
                carry /= 58
            }
        }
        var text = [UInt8](repeating: alphabet[0], count: zeros)
        text.append(contentsOf: digits.map { alphabet[Int($0)] })
        return String(decoding: text, as: UTF8.self)
    }

    /// The longest text `decode` accepts by default: decoding is quadratic in the length, and nothing TRON writes in
    /// Base58 is longer than a 34-character address, so anything past this is refused before any work.
    public static let defaultMaxLength = 128

    /// Decodes text; fails on over-long text (checked first, in O(1) for ASCII) and on the first character
    /// outside the alphabet.
    public static func decode(_ text: String, maxLength: Int = defaultMaxLength) throws(Base58Error) -> [UInt8] {
        // utf8.count is O(1) for native strings; a scalar count can only be smaller, so this bound is safe.
        if text.utf8.count > maxLength, text.unicodeScalars.count > maxLength {
            throw .tooLong(text.unicodeScalars.count, maximum: maxLength)
        }
        let scalars = Array(text.unicodeScalars)
        let zeros = scalars.prefix { $0 == "1" }.count
        var bytes: [UInt8] = []
        bytes.reserveCapacity(scalars.count * 733 / 1000 + 1)
        for (offset, scalar) in scalars.enumerated() {
            let value = scalar.isASCII ? digitValues[Int(scalar.value)] : -1
            guard value >= 0 else { throw .invalidCharacter(Character(scalar), offset: offset) }
            var carry = Int(value)
            for index in bytes.indices.reversed() {
                carry += Int(bytes[index]) * 58
                bytes[index] = UInt8(carry & 0xff)
                carry >>= 8
            }
            while carry > 0 {
                bytes.insert(UInt8(carry & 0xff), at: 0)
                carry >>= 8
            }
        }
        return [UInt8](repeating: 0, count: zeros) + bytes.drop { $0 == 0 }
    }
}

/// Why a Base58 or Base58Check text was refused.
public enum Base58Error: Error, Equatable, Sendable, CustomStringConvertible {
    /// A character outside the Bitcoin Base58 alphabet (which has no 0, O, I or l).
    case invalidCharacter(Character, offset: Int)
    /// Fewer than the 4 checksum bytes.
    case tooShort
    /// The last 4 bytes are not the double-SHA-256 checksum of the rest.
    case badChecksum
    /// Longer than the decoder accepts (characters, maximum); refused before decoding.
    case tooLong(Int, maximum: Int)

    /// What is wrong with the text, with the position of a bad character.
    public var description: String {
        switch self {
        case .invalidCharacter(let character, let offset):
            "invalid base58 character '\(character)' at position \(offset)"
        case .tooShort: "too short to hold a base58check checksum"
        case .badChecksum: "base58check checksum does not match"
        case .tooLong(let length, let maximum): "\(length) characters, more than the \(maximum) base58 accepts here"
        }
    }
}
