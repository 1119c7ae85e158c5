import PaymentCore
import Testing
import TronKit

/// The fee arithmetic a signing round uses: fee_limit from the estimate, what a transfer may burn, when it waits.
@Suite("Transfer fees: fee_limit from the estimate, burns beyond the stake, waits when the wallet cannot pay")
struct TransferFeesTests {
    static func fees(trx: Int64, staked: Int64 = 0, bandwidth: Int64 = 0) -> TransferFees {
        TransferFees(sunPerEnergy: 100, sunPerByte: 1_000, trxSun: trx, stakedEnergy: staked, bandwidthBytes: bandwidth)
    }

    @Test("fee_limit is the estimate × price plus the margin, rounded up, trimmed to the cap; nil above the cap")
    func feeLimit() {
        let fees = Self.fees(trx: 0)
        #expect(fees.feeLimit(energy: 64_285, marginPercent: 20, capSun: 50_000_000) == 7_714_200)
        #expect(fees.feeLimit(energy: 64_285, marginPercent: 0, capSun: 50_000_000) == 6_428_500)
        #expect(fees.feeLimit(energy: 1, marginPercent: 33, capSun: 50_000_000) == 133)
        #expect(fees.feeLimit(energy: 3, marginPercent: 33, capSun: 50_000_000) == 399)
        #expect(fees.feeLimit(energy: 64_285, marginPercent: 20, capSun: 7_000_000) == 7_000_000, "margin trimmed")
        #expect(fees.feeLimit(energy: 64_285, marginPercent: 20, capSun: 6_000_000) == nil, "bare estimate above")
        #expect(fees.feeLimit(energy: .max / 10, marginPercent: 20, capSun: .max) == nil, "an absurd estimate")
        #expect(fees.feeLimit(energy: -1, marginPercent: 20, capSun: 50_000_000) == nil)
        #expect(fees.feeLimit(energy: 20, marginPercent: 50, capSun: .max - 1) == 3_000, "no overflow near the top")
    }

    @Test("the floor: a holder's estimate, or a node's tiny one, still gets a new holder's fee_limit")
    func floor() {
        let fees = Self.fees(trx: 0)
        #expect(
            fees.feeLimit(energy: 64_285, floorEnergy: 130_285, marginPercent: 20, capSun: 50_000_000) == 15_634_200)
        #expect(fees.feeLimit(energy: 1, floorEnergy: 130_285, marginPercent: 20, capSun: 50_000_000) == 15_634_200)
        #expect(
            fees.feeLimit(energy: 200_000, floorEnergy: 130_285, marginPercent: 20, capSun: 50_000_000) == 24_000_000)
        #expect(
            fees.feeLimit(energy: 64_285, floorEnergy: 130_285, marginPercent: 20, capSun: 10_000_000) == 10_000_000,
            "the floor trimmed to the cap while the estimate fits it")
    }

    @Test(
        "staking operations in flight: a stake's TRX and each one's bandwidth set aside; energy not counted while an unstake or a delegation of energy is open"
    )
    func setAsideTreasury() throws {
        let receiver = try TronAddress(base58: "TMVQGm1qAQYVdetCeGRRkTWYYrLXuHK2HC")
        var fees = Self.fees(trx: 100_000_000, staked: 500_000)
        fees.setAside([.freeze(amountSun: 60_000_000, resource: .energy), .withdrawExpired])
        #expect(fees.trxSun == 100_000_000 - 60_000_000 - 2 * 400_000)
        #expect(fees.stakedEnergy == 500_000, "a stake adds energy only once it is in a block")
        fees.setAside([.undelegate(amountSun: 1, resource: .energy, receiver: receiver)])
        #expect(fees.stakedEnergy == 500_000)
        fees.setAside([.delegate(amountSun: 1, resource: .bandwidth, receiver: receiver, lockPeriodBlocks: nil)])
        #expect(fees.stakedEnergy == 500_000)
        fees.setAside([.delegate(amountSun: 1, resource: .energy, receiver: receiver, lockPeriodBlocks: nil)])
        #expect(fees.stakedEnergy == 0)
        var unstaking = Self.fees(trx: 10_000_000, staked: 500_000)
        unstaking.setAside([.unfreeze(amountSun: 1, resource: .energy)])
        #expect(unstaking.stakedEnergy == 0 && unstaking.trxSun == 9_600_000)
        // The wallet's TRX after a stake in flight cannot pay a transfer's worst burn: it waits.
        var staking = Self.fees(trx: 20_000_000)
        staking.setAside([.freeze(amountSun: 10_000_000, resource: .energy)])
        guard
            case .wait = staking.decide(
                energy: 64_285, floorEnergy: 130_285, bytes: 345, marginPercent: 20, capSun: 50_000_000)
        else {
            Issue.record("a transfer was planned against TRX a stake in flight takes")
            return
        }
        var huge = Self.fees(trx: 1)
        huge.setAside([.freeze(amountSun: .max, resource: .energy)], bytesPerOperation: .max)
        #expect(huge.trxSun < 0, "no overflow trap: the balance is simply exhausted")
    }

    @Test("reserving what earlier transactions may burn lowers the TRX a round may spend, without overflow")
    func reserve() {
        var fees = Self.fees(trx: 10_000_000)
        fees.reserve(9_000_000)
        #expect(fees.trxSun == 1_000_000)
        fees.reserve(-5)
        #expect(fees.trxSun == 1_000_000, "a negative reservation is ignored")
        fees.reserve(.max)
        #expect(fees.trxSun < 0)
        fees.reserve(.max)
        #expect(fees.trxSun == .min)
        guard case .wait = fees.decide(energy: 1, bytes: 1, marginPercent: 0, capSun: 50_000_000) else {
            Issue.record("a wallet whose TRX is all reserved must wait")
            return
        }
    }

    @Test("without stake the transfer may burn its whole fee_limit plus its bandwidth; it waits below that")
    func unstaked() throws {
        let enough = Self.fees(trx: 7_714_200 + 345_000)
        guard case .sign(let plan) = enough.decide(energy: 64_285, bytes: 345, marginPercent: 20, capSun: 50_000_000)
        else {
            Issue.record("a wallet holding exactly the worst burn must sign")
            return
        }
        #expect(
            plan == .init(feeLimitSun: 7_714_200, energy: 64_285, expectedBurnSun: 6_773_500, worstBurnSun: 8_059_200))
        let short = Self.fees(trx: 7_714_200 + 345_000 - 1)
        guard case .wait(let reason) = short.decide(energy: 64_285, bytes: 345, marginPercent: 20, capSun: 50_000_000)
        else {
            Issue.record("one sun short must wait")
            return
        }
        #expect(reason.contains("holds 8059199 sun") && reason.contains("up to 8059200 sun"), "\(reason)")
    }

    @Test("stake pays first: fully staked burns nothing for energy; partly staked may burn the rest of fee_limit")
    func staked() {
        let full = Self.fees(trx: 0, staked: 200_000, bandwidth: 600)
        #expect(
            full.decide(energy: 64_285, bytes: 345, marginPercent: 20, capSun: 50_000_000)
                == .sign(.init(feeLimitSun: 7_714_200, energy: 64_285, expectedBurnSun: 0, worstBurnSun: 0)))
        let partial = Self.fees(trx: 1_000_000, staked: 60_000, bandwidth: 600)
        // Expected: 4,285 energy beyond the stake; worst: fee_limit 7,714,200 − 6,000,000 of stake.
        #expect(
            partial.decide(energy: 64_285, bytes: 345, marginPercent: 20, capSun: 50_000_000)
                == .wait(
                    reason: "the hot wallet holds 1000000 sun; the next transfer may burn up to 1714200 sun (64285 "
                        + "energy estimated, fee_limit 7714200 sun, 60000 staked energy left, 345 bytes with 600 "
                        + "bandwidth left)"))
        let partialEnough = Self.fees(trx: 1_714_200, staked: 60_000, bandwidth: 600)
        #expect(
            partialEnough.decide(energy: 64_285, bytes: 345, marginPercent: 20, capSun: 50_000_000)
                == .sign(
                    .init(feeLimitSun: 7_714_200, energy: 64_285, expectedBurnSun: 428_500, worstBurnSun: 1_714_200)))
    }

    @Test("spending a plan uses the stake and bandwidth and sets the worst burn aside: the round cannot overspend")
    func spend() {
        var fees = Self.fees(trx: 1_000_000, staked: 200_000, bandwidth: 600)
        var signed = 0
        while case .sign(let plan) = fees.decide(energy: 64_285, bytes: 345, marginPercent: 20, capSun: 50_000_000) {
            fees.spend(plan, bytes: 345)
            signed += 1
        }
        // Each transfer may draw its fee_limit's worth of stake, 77,142 energy, not only the 64,285 estimated.
        // 1st: stake covers all, free bandwidth. 2nd: stake 122,858 covers the fee_limit, bandwidth burns 345,000.
        // 3rd: stake 45,716 → up to 3,142,600 + 345,000 may burn, more than the 655,000 left: waits.
        #expect(signed == 2)
        #expect(fees.trxSun == 655_000 && fees.stakedEnergy == 45_716 && fees.bandwidthBytes == 255)
    }

    @Test("an estimate above the cap waits and names the setting")
    func aboveCap() {
        #expect(
            Self.fees(trx: .max).decide(energy: 64_285, bytes: 345, marginPercent: 20, capSun: 5_000_000)
                == .wait(
                    reason: "the estimated fee (64285 energy × 100 sun = 6428500 sun) is above tron.fee_limit_sun "
                        + "(5000000 sun)"))
    }
}
