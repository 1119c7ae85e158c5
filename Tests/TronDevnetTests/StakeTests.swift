import Foundation
import Logging
import Testing
import TronDevnet
import TronKit

/// Stake 2.0 on the devnet, the java-tron way (TRON.md; java-tron's EnergyProcessor, BandwidthProcessor and the
/// FreezeBalanceV2 … UnDelegateResource actuators): staking buys a share of the network's daily energy, used before
/// TRX is burned and capped by fee_limit; unstaked TRX waits out the unfreeze delay; delegation lends a stake's
/// resource. Everything is read back through the HTTP API a client uses.
@Suite("Devnet Stake 2.0: energy from stake before burning, unfreeze delay, delegation")
struct StakeTests {
    static let trx: Int64 = 1_000_000

    /// A devnet with a small, round network: 1,000,000,000 energy a day shared by 90,000 TRX staked elsewhere.
    static func devnet(unfreezeDelaySeconds: Int64 = 60) throws -> (DevnetFixture, DevnetView) {
        let devnet = try DevnetFixture(solidLag: 0) { config in
            config.totalEnergyLimit = 1_000_000_000
            config.otherEnergyWeight = 90_000
            config.unfreezeDelaySeconds = unfreezeDelaySeconds
        }
        return (devnet, DevnetView(chain: devnet.chain))
    }

    static func int(_ value: Any?) -> Int64 { (value as? NSNumber)?.int64Value ?? 0 }

    /// Broadcasts `signed`, expecting it accepted, and includes it in the next block at `at`.
    static func include(_ signed: SignedTronTransaction, _ devnet: DevnetFixture, _ view: DevnetView, at: Date = Date())
        throws
    {
        let outcome = view.broadcast(signed)
        #expect(outcome.accepted, "\(outcome.code ?? "") \(outcome.message)")
        try devnet.chain.produceBlock(at: at)
    }

    static func resources(_ view: DevnetView, _ address: TronAddress) async throws -> [String: Any] {
        try await post(view, "/wallet/getaccountresource", ["address": address.base58, "visible": true])
    }

    static func info(_ view: DevnetView, _ signed: SignedTronTransaction) async throws -> [String: Any] {
        try await post(view, "/wallet/gettransactioninfobyid", ["value": signed.txidHex])
    }

    @Test(
        "staking for energy: frozenV2 holds it, the limit is the stake's share, and a transfer burns no TRX for energy")
    func stakedTransferBurnsNoEnergy() async throws {
        let (devnet, view) = try Self.devnet()
        let owner = devnet.key.address
        let before = devnet.chain.balances(of: owner).trx
        try Self.include(try devnet.stake(.freeze(amountSun: 10_000 * Self.trx, resource: .energy)), devnet, view)
        let account = try await post(view, "/wallet/getaccount", ["address": owner.base58, "visible": true])
        let frozen = try #require(account["frozenV2"] as? [[String: Any]])
        #expect(frozen.count == 3 && frozen[1]["type"] as? String == "ENERGY")
        #expect(Self.int(frozen[1]["amount"]) == 10_000 * Self.trx && frozen[0]["amount"] == nil)
        #expect(Self.int(account["balance"]) == before - 10_000 * Self.trx, "a system contract's bytes are free here")

        let resources = try await Self.resources(view, owner)
        #expect(Self.int(resources["TotalEnergyWeight"]) == 100_000)
        // 10,000 of 100,000 TRX staked: a tenth of the day's 1,000,000,000 energy.
        #expect(Self.int(resources["EnergyLimit"]) == 100_000_000)
        #expect(resources["EnergyUsed"] == nil)

        let transfer = try devnet.transfer(amount: 5, to: DevnetFixture.recipient)
        try Self.include(transfer, devnet, view)
        let info = try await Self.info(view, transfer)
        let receipt = try #require(info["receipt"] as? [String: Any])
        #expect(receipt["result"] as? String == "SUCCESS")
        #expect(Self.int(receipt["energy_usage_total"]) == 130_285, "a first transfer to a new holder")
        #expect(Self.int(receipt["energy_usage"]) == 130_285, "all of it from stake")
        #expect(receipt["energy_fee"] == nil, "no TRX burned for energy")
        #expect(Self.int(receipt["energy_penalty_total"]) == 100_635)
        let burned = Self.int(info["fee"])
        #expect(burned == Self.int(receipt["net_fee"]), "the fee is bandwidth only")
        #expect(devnet.chain.balances(of: owner).trx == before - 10_000 * Self.trx - burned)
        let after = try await Self.resources(view, owner)
        #expect(Self.int(after["EnergyUsed"]) == 130_285)
    }

    @Test("without stake the burn is energy × getEnergyFee; with too little, stake pays first and the rest burns")
    func partialStakeBurnsTheRest() async throws {
        let (devnet, view) = try Self.devnet()
        let owner = devnet.key.address
        let unstaked = try devnet.transfer(amount: 5, to: DevnetFixture.recipient)
        try Self.include(unstaked, devnet, view)
        let first = try #require(try await Self.info(view, unstaked)["receipt"] as? [String: Any])
        #expect(Self.int(first["energy_fee"]) == 130_285 * 100 && first["energy_usage"] == nil)

        // 4 TRX of 90,004 staked: 44,442 energy a day, less than the 64,285 the next transfer takes.
        try Self.include(try devnet.stake(.freeze(amountSun: 4 * Self.trx, resource: .energy)), devnet, view)
        let limit = Self.int(try await Self.resources(view, owner)["EnergyLimit"])
        #expect(limit == 4 * 1_000_000_000 / 90_004, "4 of 90,004 TRX staked")
        let trxBefore = devnet.chain.balances(of: owner).trx
        let partial = try devnet.transfer(amount: 5, to: DevnetFixture.recipient)
        try Self.include(partial, devnet, view)
        let info = try await Self.info(view, partial)
        let receipt = try #require(info["receipt"] as? [String: Any])
        #expect(Self.int(receipt["energy_usage_total"]) == 64_285, "the recipient holds USDT now")
        #expect(Self.int(receipt["energy_usage"]) == limit)
        #expect(Self.int(receipt["energy_fee"]) == (64_285 - limit) * 100)
        #expect(devnet.chain.balances(of: owner).trx == trxBefore - Self.int(info["fee"]))
    }

    @Test("fee_limit caps all the energy, staked included: too low a limit runs out of energy although stake would pay")
    func feeLimitCapsStakedEnergy() async throws {
        let (devnet, view) = try Self.devnet()
        try Self.include(try devnet.stake(.freeze(amountSun: 10_000 * Self.trx, resource: .energy)), devnet, view)
        let capped = try devnet.transfer(amount: 5, to: DevnetFixture.recipient, feeLimit: 100 * 100_000)
        try Self.include(capped, devnet, view)
        let receipt = try #require(try await Self.info(view, capped)["receipt"] as? [String: Any])
        #expect(receipt["result"] as? String == "OUT_OF_ENERGY")
        #expect(Self.int(receipt["energy_usage_total"]) == 100_000 && Self.int(receipt["energy_usage"]) == 100_000)
        #expect(devnet.chain.balances(of: DevnetFixture.recipient).usdt == 0)
    }

    @Test("used energy recovers linearly over 24 hours")
    func recovery() async throws {
        let (devnet, view) = try Self.devnet()
        let owner = devnet.key.address
        try Self.include(try devnet.stake(.freeze(amountSun: 10_000 * Self.trx, resource: .energy)), devnet, view)
        let start = Date()
        try Self.include(try devnet.transfer(amount: 5, to: DevnetFixture.recipient), devnet, view, at: start)
        #expect(Self.int(try await Self.resources(view, owner)["EnergyUsed"]) == 130_285)
        try devnet.chain.produceBlock(at: start.addingTimeInterval(12 * 3_600))
        let half = Self.int(try await Self.resources(view, owner)["EnergyUsed"])
        #expect(abs(half - 130_285 / 2) <= 3, "\(half) after half the window")
        try devnet.chain.produceBlock(at: start.addingTimeInterval(24 * 3_600 + 3))
        #expect(try await Self.resources(view, owner)["EnergyUsed"] == nil, "all recovered after the window")
    }

    @Test("unfreezing waits out the delay: withdrawal before it is refused, after it the TRX is back")
    func unfreezeThenWithdraw() async throws {
        let (devnet, view) = try Self.devnet(unfreezeDelaySeconds: 60)
        let owner = devnet.key.address
        try Self.include(try devnet.stake(.freeze(amountSun: 1_000 * Self.trx, resource: .energy)), devnet, view)
        let balance = devnet.chain.balances(of: owner).trx
        let unfreezeAt = Date()
        let unfreeze = try devnet.stake(.unfreeze(amountSun: 400 * Self.trx, resource: .energy))
        try Self.include(unfreeze, devnet, view, at: unfreezeAt)
        let unfreezeFee = Self.int(try await Self.info(view, unfreeze)["fee"])
        let account = try await post(view, "/wallet/getaccount", ["address": owner.base58, "visible": true])
        let frozen = try #require(account["frozenV2"] as? [[String: Any]])
        #expect(Self.int(frozen[1]["amount"]) == 600 * Self.trx)
        let pending = try #require(account["unfrozenV2"] as? [[String: Any]])
        #expect(pending.count == 1 && pending[0]["type"] as? String == "ENERGY")
        #expect(Self.int(pending[0]["unfreeze_amount"]) == 400 * Self.trx)
        let expiry = Self.int(pending[0]["unfreeze_expire_time"])
        #expect(expiry == devnet.chain.head().timestamp + 60_000)
        #expect(devnet.chain.balances(of: owner).trx == balance - unfreezeFee, "unstaked TRX is not spendable yet")
        let count = try await post(view, "/wallet/getavailableunfreezecount", ["owner_address": owner.base58])
        #expect(Self.int(count["count"]) == 31)

        let early = view.broadcast(try devnet.stake(.withdrawExpired))
        #expect(early.code == "CONTRACT_VALIDATE_ERROR")
        #expect(early.message == "Contract validate error : no unFreeze balance to withdraw ")

        try devnet.chain.produceBlock(at: unfreezeAt.addingTimeInterval(61))
        let withdrawable = try await post(
            view, "/wallet/getcanwithdrawunfreezeamount", ["owner_address": owner.base58, "timestamp": 0])
        #expect(Self.int(withdrawable["amount"]) == 400 * Self.trx)
        let withdraw = try devnet.stake(.withdrawExpired)
        try Self.include(withdraw, devnet, view)
        let withdrawInfo = try await Self.info(view, withdraw)
        #expect(Self.int(withdrawInfo["withdraw_expire_amount"]) == 400 * Self.trx)
        // The third system contract's bytes no longer fit the day's 600 free ones: its bandwidth burns.
        #expect(Self.int(withdrawInfo["fee"]) > 0)
        #expect(
            devnet.chain.balances(of: owner).trx
                == balance - unfreezeFee + 400 * Self.trx - Self.int(withdrawInfo["fee"]))
        let after = try await post(view, "/wallet/getaccount", ["address": owner.base58, "visible": true])
        #expect(after["unfrozenV2"] == nil)
        // Nothing is left to withdraw a second time.
        #expect(view.broadcast(try devnet.stake(.withdrawExpired)).code == "CONTRACT_VALIDATE_ERROR")
    }

    @Test("delegation lends a stake's energy and takes it back; a locked one not before its lock ends")
    func delegateAndUndelegate() async throws {
        let (devnet, view) = try Self.devnet()
        let owner = devnet.key.address
        let borrower = TronPrivateKey.generate().address
        try devnet.chain.mint(borrower, trxSun: Self.trx, usdtUnits: 0)
        try Self.include(try devnet.stake(.freeze(amountSun: 10_000 * Self.trx, resource: .energy)), devnet, view)
        let maxSize = try await post(
            view, "/wallet/getcandelegatedmaxsize", ["owner_address": owner.base58, "type": 1])
        #expect(Self.int(maxSize["max_size"]) == 10_000 * Self.trx)

        try Self.include(
            try devnet.stake(
                .delegate(amountSun: 4_000 * Self.trx, resource: .energy, receiver: borrower, lockPeriodBlocks: nil)),
            devnet, view)
        #expect(Self.int(try await Self.resources(view, owner)["EnergyLimit"]) == 60_000_000)
        #expect(Self.int(try await Self.resources(view, borrower)["EnergyLimit"]) == 40_000_000)
        #expect(Self.int(try await Self.resources(view, owner)["TotalEnergyWeight"]) == 100_000, "weight unchanged")
        let record = try await post(
            view, "/wallet/getdelegatedresourcev2",
            ["fromAddress": owner.base58, "toAddress": borrower.base58, "visible": true])
        let records = try #require(record["delegatedResource"] as? [[String: Any]])
        #expect(records.count == 1 && Self.int(records[0]["frozen_balance_for_energy"]) == 4_000 * Self.trx)
        #expect(records[0]["from"] as? String == owner.base58 && records[0]["to"] as? String == borrower.base58)
        let index = try await post(
            view, "/wallet/getdelegatedresourceaccountindexv2", ["value": owner.base58, "visible": true])
        #expect(index["toAccounts"] as? [String] == [borrower.base58])
        let account = try await post(view, "/wallet/getaccount", ["address": owner.base58, "visible": true])
        let resource = try #require(account["account_resource"] as? [String: Any])
        #expect(Self.int(resource["delegated_frozenV2_balance_for_energy"]) == 4_000 * Self.trx)
        // Delegated TRX cannot also be unstaked.
        let tooMuch = view.broadcast(try devnet.stake(.unfreeze(amountSun: 7_000 * Self.trx, resource: .energy)))
        #expect(tooMuch.message == "Contract validate error : Invalid unfreeze_balance, [7000000000] is error")

        try Self.include(
            try devnet.stake(.undelegate(amountSun: 4_000 * Self.trx, resource: .energy, receiver: borrower)), devnet,
            view)
        #expect(Self.int(try await Self.resources(view, owner)["EnergyLimit"]) == 100_000_000)
        #expect(try await Self.resources(view, borrower)["EnergyLimit"] == nil)

        // Locked: for 3 days whatever lock_period asks (java-tron's rule while getMaxDelegateLockPeriod is 86,400).
        let lockedAt = Date()
        try Self.include(
            try devnet.stake(
                .delegate(amountSun: 100 * Self.trx, resource: .energy, receiver: borrower, lockPeriodBlocks: 10)),
            devnet, view, at: lockedAt)
        let early = view.broadcast(
            try devnet.stake(.undelegate(amountSun: 100 * Self.trx, resource: .energy, receiver: borrower)))
        #expect(
            early.message
                == "Contract validate error : insufficient delegateFrozenBalance(Energy), request=100000000, unlock_balance=0"
        )
        try devnet.chain.produceBlock(at: lockedAt.addingTimeInterval(31))
        let stillLocked = view.broadcast(
            try devnet.stake(.undelegate(amountSun: 100 * Self.trx, resource: .energy, receiver: borrower)))
        #expect(stillLocked.code == "CONTRACT_VALIDATE_ERROR", "10 blocks asked, 3 days given")
        try devnet.chain.produceBlock(at: lockedAt.addingTimeInterval(3 * 86_400 + 1))
        try Self.include(
            try devnet.stake(.undelegate(amountSun: 100 * Self.trx, resource: .energy, receiver: borrower)), devnet,
            view)
        #expect(try await Self.resources(view, borrower)["EnergyLimit"] == nil)
        let none = try await post(
            view, "/wallet/getdelegatedresourcev2", ["fromAddress": owner.base58, "toAddress": borrower.base58])
        #expect(none.isEmpty)
    }

    @Test(
        "refusals carry java-tron's messages",
        arguments: [
            (
                StakeOperation.freeze(amountSun: 999_999, resource: .energy),
                "frozenBalance must be greater than or equal to 1 TRX"
            ),
            (.freeze(amountSun: 0, resource: .energy), "frozenBalance must be positive"),
            (
                .freeze(amountSun: 200_000 * 1_000_000, resource: .bandwidth),
                "frozenBalance must be less than or equal to accountBalance"
            ),
            (.unfreeze(amountSun: 1_000_000, resource: .bandwidth), "no frozenBalance(BANDWIDTH)"),
            (.withdrawExpired, "no unFreeze balance to withdraw "),
            (
                .delegate(
                    amountSun: 1_000_000, resource: .energy, receiver: DevnetFixture.recipient, lockPeriodBlocks: nil),
                "delegateBalance must be less than or equal to available FreezeEnergyV2 balance"
            ),
            (
                .undelegate(amountSun: 1_000_000, resource: .energy, receiver: DevnetFixture.recipient),
                "delegated Resource does not exist"
            ),
        ])
    func refusals(operation: StakeOperation, message: String) throws {
        let (devnet, view) = try Self.devnet()
        let outcome = view.broadcast(try devnet.stake(operation))
        #expect(outcome.code == "CONTRACT_VALIDATE_ERROR")
        #expect(outcome.message == "Contract validate error : \(message)")
    }

    @Test("delegating to oneself or to an account that does not exist is refused")
    func delegateReceivers() throws {
        let (devnet, view) = try Self.devnet()
        let owner = devnet.key.address
        try Self.include(try devnet.stake(.freeze(amountSun: 10 * Self.trx, resource: .energy)), devnet, view)
        let toSelf = view.broadcast(
            try devnet.stake(.delegate(amountSun: Self.trx, resource: .energy, receiver: owner, lockPeriodBlocks: nil)))
        #expect(toSelf.message == "Contract validate error : receiverAddress must not be the same as ownerAddress")
        let nobody = TronPrivateKey.generate().address
        let missing = view.broadcast(
            try devnet.stake(.delegate(amountSun: Self.trx, resource: .energy, receiver: nobody, lockPeriodBlocks: nil))
        )
        #expect(missing.message == "Contract validate error : Account[\(nobody.hex)] not exists")
    }

    @Test("bandwidth is paid first: once the free bytes are used up, freezing the whole balance is refused")
    func bandwidthBeforeFreeze() async throws {
        let (devnet, view) = try Self.devnet()
        let owner = devnet.key.address
        for _ in 0..<3 {  // about 230 bytes each: the third no longer fits the day's 600 free ones
            try Self.include(try devnet.stake(.freeze(amountSun: Self.trx, resource: .energy)), devnet, view)
            try await Task.sleep(for: .milliseconds(2))
        }
        let balance = devnet.chain.balances(of: owner).trx
        let all = view.broadcast(try devnet.stake(.freeze(amountSun: balance, resource: .bandwidth)))
        #expect(all.message == "Contract validate error : frozenBalance must be less than or equal to accountBalance")
        let most = try devnet.stake(.freeze(amountSun: balance - Self.trx, resource: .bandwidth))
        try Self.include(most, devnet, view)
        let fee = Self.int(try await Self.info(view, most)["fee"])
        #expect(fee > 0)
        #expect(devnet.chain.balances(of: owner).trx == Self.trx - fee, "never below zero")
    }

    @Test("two stakes that each fit the balance but not together: the block runs the first and drops the second")
    func overcommittedInOneBlock() async throws {
        let (devnet, view) = try Self.devnet()
        let owner = devnet.key.address
        let balance = devnet.chain.balances(of: owner).trx
        let first = try devnet.stake(.freeze(amountSun: 60_000 * Self.trx, resource: .energy))
        try await Task.sleep(for: .milliseconds(2))  // another timestamp, another txid
        let second = try devnet.stake(.freeze(amountSun: 60_000 * Self.trx, resource: .bandwidth))
        #expect(view.broadcast(first).accepted && view.broadcast(second).accepted)
        try devnet.chain.produceBlock()
        #expect(try await Self.info(view, first)["blockNumber"] != nil)
        #expect(try await Self.info(view, second).isEmpty, "dropped, not half-applied")
        #expect(devnet.chain.balances(of: owner).trx == balance - 60_000 * Self.trx)
        let account = try await post(view, "/wallet/getaccount", ["address": owner.base58, "visible": true])
        let frozen = try #require(account["frozenV2"] as? [[String: Any]])
        #expect(frozen[0]["amount"] == nil && Self.int(frozen[1]["amount"]) == 60_000 * Self.trx)
    }

    @Test("stake survives a restart, and a state file from before Stake 2.0 still loads")
    func persistence() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stake-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("devnet.json").path
        let key = TronPrivateKey.generate()
        func open() throws -> DevnetChain {
            var config = DevnetConfig()
            config.blockIntervalMilliseconds = 0
            config.solidLag = 0
            config.stateFile = path
            config.genesis = [GenesisAccount(address: key.address.base58, trxSun: 100 * Self.trx, usdtUnits: 0)]
            return try DevnetChain(config: config, logger: Logger(label: "devnet-test"))
        }
        let chain = try open()
        let raw = try TronTransaction.stake(
            .freeze(amountSun: 50 * Self.trx, resource: .energy), owner: key.address,
            reference: try ReferenceBlock(blockID: Hex.decode(chain.solid().id)!),
            timestamp: Int64(Date().timeIntervalSince1970 * 1000), expiration: chain.head().timestamp + 60_000)
        #expect(
            chain.broadcast(try TronTransaction.sign(rawBytes: try TronTransaction.serialize(raw), with: key)).accepted)
        try chain.produceBlock()
        try chain.mint(key.address, trxSun: 0, usdtUnits: 0)  // writes the state file at once (blocks are throttled)
        let reopened = DevnetView(chain: try open())
        let account = try await post(reopened, "/wallet/getaccount", ["address": key.address.base58, "visible": true])
        let frozen = try #require(account["frozenV2"] as? [[String: Any]])
        #expect(Self.int(frozen[1]["amount"]) == 50 * Self.trx)

        // The same file without the Stake 2.0 keys, as an older devnet wrote it.
        var state = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        #expect(state["resources"] != nil)
        state["resources"] = nil
        state["delegations"] = nil
        try JSONSerialization.data(withJSONObject: state).write(to: URL(fileURLWithPath: path))
        let old = DevnetView(chain: try open())
        let plain = try await post(old, "/wallet/getaccount", ["address": key.address.base58, "visible": true])
        #expect(Self.int(plain["balance"]) == 50 * Self.trx)
    }
}

@Suite("Devnet call data: a selector and parameter, or data verbatim")
struct CallDataTests {
    @Test("triggersmartcontract builds transfer(address,uint256) from the selector and parameter, or from data")
    func triggerCallData() async throws {
        let devnet = try DevnetFixture(solidLag: 0)
        let view = DevnetView(chain: devnet.chain)
        let words = TRC20.word(address: DevnetFixture.recipient) + TRC20.word(amount: 7)
        let base: [String: Any] = [
            "owner_address": devnet.key.address.base58, "contract_address": devnet.chain.config.usdtContract.base58,
            "fee_limit": 1_000, "visible": true,
        ]
        var bySelector = base
        bySelector["function_selector"] = "transfer(address,uint256)"
        bySelector["parameter"] = Hex.encode(words)
        var byData = base
        byData["data"] = Hex.encode(TRC20.transferCallData(to: DevnetFixture.recipient, amount: 7))
        for body in [bySelector, byData] {
            let reply = try await post(view, "/wallet/triggersmartcontract", body)
            let transaction = try #require(reply["transaction"] as? [String: Any])
            let raw = try #require(transaction["raw_data"] as? [String: Any])
            let contract = try #require((raw["contract"] as? [[String: Any]])?.first)
            let value = try #require((contract["parameter"] as? [String: Any])?["value"] as? [String: Any])
            #expect(
                value["data"] as? String == Hex.encode(TRC20.transferCallData(to: DevnetFixture.recipient, amount: 7)))
        }
        // The estimate reads the same call data: 130,285 energy to a recipient without USDT.
        let estimate = try await post(view, "/wallet/estimateenergy", bySelector)
        #expect(estimate["energy_required"] as? Int == 130_285)
    }
}
