/// A regular expression matching exactly the decimal texts of the integers in a range (no sign on positives, no
/// leading zeros): how the OpenAPI document bounds a 64-bit integer, which the proto3 JSON mapping writes as a string
/// (so JSON Schema's `minimum` and `maximum` would not apply to it).
enum IntegerPattern {
    static func regex(minimum: Int64, maximum: Int64) -> String {
        var alternatives: [String] = []
        if minimum < 0 {
            // -1 … -|minimum|, as "-" and the magnitudes.
            let low = maximum < 0 ? maximum.magnitude : 1
            alternatives += magnitudes(low, minimum.magnitude).map { "-" + group($0) }
        }
        if maximum >= 0 { alternatives += magnitudes(UInt64(max(0, minimum)), UInt64(maximum)) }
        return "^(?:" + alternatives.joined(separator: "|") + ")$"
    }

    /// Alternatives for lo…hi, grouped by digit count; whole digit counts merge into one `[1-9][0-9]{a,b}`.
    static func magnitudes(_ lo: UInt64, _ hi: UInt64) -> [String] {
        var out: [String] = []
        var start = lo
        var fullLengths: ClosedRange<Int>?
        func flush() {
            guard let lengths = fullLengths else { return }
            let tail =
                lengths.lowerBound == lengths.upperBound
                ? "{\(lengths.lowerBound - 1)}" : "{\(lengths.lowerBound - 1),\(lengths.upperBound - 1)}"
            out.append(lengths.upperBound == 1 ? "[1-9]" : "[1-9][0-9]" + tail)
            fullLengths = nil
        }
        while start <= hi {
            let digits = String(start).count
            let top: UInt64 = digits >= 20 ? .max : (pow10(digits) - 1)
            let end = min(top, hi)
            let isFull = start == (digits == 1 ? 1 : pow10(digits - 1)) && end == top
            if isFull {
                fullLengths = fullLengths.map { $0.lowerBound...digits } ?? (digits...digits)
            } else {
                flush()
                out.append(sameLength(Array(String(start)), Array(String(end))))
            }
            if end == .max { break }
            start = end + 1
        }
        flush()
        return out
    }

    /// lo…hi with the same number of digits.
    static func sameLength(_ lo: [Character], _ hi: [Character]) -> String {
        if lo.isEmpty { return "" }
        if lo == hi { return String(lo) }
        let rest = lo.count - 1
        let any = rest == 0 ? "" : rest == 1 ? "[0-9]" : "[0-9]{\(rest)}"
        let loRestZero = lo.dropFirst().allSatisfy { $0 == "0" }
        let hiRestNine = hi.dropFirst().allSatisfy { $0 == "9" }
        let a = lo[0].wholeNumberValue!, b = hi[0].wholeNumberValue!
        if a == b { return String(lo[0]) + group(sameLength(Array(lo.dropFirst()), Array(hi.dropFirst()))) }
        if loRestZero && hiRestNine { return digitClass(a, b) + any }
        var parts: [String] = []
        var first = a, last = b
        if !loRestZero {
            parts.append(String(lo[0]) + group(sameLength(Array(lo.dropFirst()), Array(repeating: "9", count: rest))))
            first += 1
        }
        if !hiRestNine {
            last -= 1
        }
        if first <= last { parts.append(digitClass(first, last) + any) }
        if !hiRestNine {
            parts.append(String(hi[0]) + group(sameLength(Array(repeating: "0", count: rest), Array(hi.dropFirst()))))
        }
        return parts.joined(separator: "|")
    }

    static func group(_ text: String) -> String { text.contains("|") ? "(?:\(text))" : text }

    static func digitClass(_ a: Int, _ b: Int) -> String { a == b ? "\(a)" : "[\(a)-\(b)]" }

    static func pow10(_ exponent: Int) -> UInt64 {
        var value: UInt64 = 1
        for _ in 0..<exponent { value *= 10 }
        return value
    }
}
