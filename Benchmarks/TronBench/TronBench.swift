import Foundation
import TronKit

/// Builds and signs USDT transfers on one core and prints the rate.
@main
struct TronBench {
    static func main() throws {
        let count = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 20_000
        let key = TronPrivateKey.generate()
        let to = try TronAddress(base58: "TE2vQGQiihnDQ2qSi4guvFs2QXw3W3Nxrp")
        let contract = try TronAddress(base58: "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t")
        let reference = try ReferenceBlock(blockID: [UInt8](repeating: 7, count: 32))
        var checksum: UInt8 = 0
        let started = ContinuousClock.now
        for index in 0..<count {
            let raw = try TronTransaction.trc20Transfer(
                owner: key.address, to: to, amount: Int64(index + 1), contract: contract, reference: reference,
                timestamp: 1_777_447_168_009 + Int64(index), expiration: 1_777_447_228_009, feeLimit: 50_000_000)
            let signed = try TronTransaction.sign(rawBytes: try TronTransaction.serialize(raw), with: key)
            checksum ^= signed.signature[0]
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(
            String(
                format: "build + sign USDT transfers (one core): %d in %.2f s = %.0f transfers/s (checksum %d)",
                count, seconds, Double(count) / seconds, checksum))
    }
}
