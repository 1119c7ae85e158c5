/// USDT amounts are integers of base units: 1 USDT = 1,000,000 units (6 decimals). Never floating point.
public enum USDT {
    /// Base units in one USDT.
    public static let unitsPerUSDT: Int64 = 1_000_000

    /// Whole USDT as base units. Traps on overflow (past about 9.2 trillion USDT): for constants and tests, never
    /// for request values.
    public static func units(_ whole: Int64) -> Int64 { whole * unitsPerUSDT }

    /// "1234.500000 USDT"-style text, exact, for messages.
    public static func format(_ units: Int64) -> String {
        let sign = units < 0 ? "-" : ""
        let magnitude = units.magnitude
        let whole = magnitude / UInt64(unitsPerUSDT)
        let fraction = String(magnitude % UInt64(unitsPerUSDT))
        return "\(sign)\(whole).\(String(repeating: "0", count: 6 - fraction.count))\(fraction) USDT"
    }
}
