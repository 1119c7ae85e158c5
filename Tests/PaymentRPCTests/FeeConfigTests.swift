import Foundation
import ServerSupport
import Testing

@testable import PaymentRPC

/// The fee settings a hostile or mistaken configuration could abuse: each is bounded and a refusal names its key.
@Suite("Configuration of transfer fees: margin and floor bounded, refusals name the key")
struct FeeConfigTests {
    static func load(_ environment: [String: String]) throws(ConfigError) -> PaymentRPCConfig {
        try PaymentRPCConfig.load(file: nil, environment: environment)
    }

    @Test(
        "out-of-range or malformed fee settings stop start-up naming the key",
        arguments: [
            ("PAYMENT_RPC_TRON_FEE_MARGIN_PERCENT", "501", "tron.fee_margin_percent"),
            ("PAYMENT_RPC_TRON_FEE_MARGIN_PERCENT", "-1", "tron.fee_margin_percent"),
            ("PAYMENT_RPC_TRON_FEE_MARGIN_PERCENT", "ten", "tron.fee_margin_percent"),
            ("PAYMENT_RPC_TRON_MIN_TRANSFER_ENERGY", "-1", "tron.min_transfer_energy"),
            ("PAYMENT_RPC_TRON_MIN_TRANSFER_ENERGY", "10000001", "tron.min_transfer_energy"),
            ("PAYMENT_RPC_TRON_MIN_TRANSFER_ENERGY", "99999999999999999999", "tron.min_transfer_energy"),
        ])
    func refusals(variable: String, value: String, key: String) {
        do {
            _ = try Self.load([variable: value])
            Issue.record("\(variable)=\(value) was accepted")
        } catch {
            #expect(error.key == key, "\(error)")
        }
    }

    @Test("defaults, and values within range, reach the processor's settings")
    func accepted() throws {
        let defaults = try Self.load([:])
        #expect(defaults.feeMarginPercent == 20 && defaults.minTransferEnergy == 130_285)
        let set = try Self.load([
            "PAYMENT_RPC_TRON_FEE_MARGIN_PERCENT": "0", "PAYMENT_RPC_TRON_MIN_TRANSFER_ENERGY": "64285",
        ])
        #expect(set.feeMarginPercent == 0 && set.minTransferEnergy == 64_285)
    }
}
