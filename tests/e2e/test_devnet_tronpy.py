"""tronpy (an independent TRON client, unmodified) against tron-devnet: it reads the USDT balance, builds, signs and
broadcasts a USDT transfer, and waits for its receipt. This proves the devnet speaks the API a real client expects."""
import pytest
from tronpy import Tron
from tronpy.exceptions import BadSignature, TaposError
from tronpy.keys import PrivateKey
from tronpy.providers import HTTPProvider

from support.devnet import Devnet

USDT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
OWNER_KEY = PrivateKey(bytes.fromhex("6b9f634365e6655c1fb6a49c4831e685f0529b6f980fdcdd3b6dab2caac75eb1"))
OWNER = OWNER_KEY.public_key.to_base58check_address()
RECIPIENT = "TE2vQGQiihnDQ2qSi4guvFs2QXw3W3Nxrp"


@pytest.fixture
def devnet(tmp_path):
    node = Devnet(tmp_path, fund=[(OWNER, 1_000_000_000, 100_000_000)], block_interval_ms=200).start()
    yield node
    node.stop()


def test_tronpy_usdt_transfer(devnet):
    client = Tron(HTTPProvider(devnet.url + "/"))
    devnet.produce(20)  # give TaPoS a solid block other than genesis
    contract = client.get_contract(USDT)
    assert contract.functions.balanceOf(OWNER) == 100_000_000
    assert contract.functions.decimals() == 6

    txn = (contract.functions.transfer(RECIPIENT, 12_345_678)
           .with_owner(OWNER).fee_limit(50_000_000).build().sign(OWNER_KEY))
    result = txn.broadcast()
    assert result["result"] is True
    receipt = result.wait(timeout=20, interval=0.3)
    assert receipt["receipt"]["result"] == "SUCCESS"
    assert receipt["blockNumber"] > 0 and receipt["fee"] > 0
    assert contract.functions.balanceOf(RECIPIENT) == 12_345_678
    assert contract.functions.balanceOf(OWNER) == 100_000_000 - 12_345_678

    # The same transaction again is a duplicate; TRX moves too.
    with pytest.raises(Exception, match="Dup transaction"):
        txn.broadcast()
    trx = client.trx.transfer(OWNER, RECIPIENT, 1_000_000).build().sign(OWNER_KEY).broadcast().wait(timeout=20, interval=0.3)
    assert trx["blockNumber"] > 0
    assert client.get_account_balance(RECIPIENT) == 1


def test_tronpy_sees_node_refusals(devnet):
    client = Tron(HTTPProvider(devnet.url + "/"))
    devnet.produce(20)
    contract = client.get_contract(USDT)
    other = PrivateKey.random()
    txn = contract.functions.transfer(RECIPIENT, 1).with_owner(OWNER).fee_limit(50_000_000).build()
    # Signed by a key that is not the owner's: the node refuses with SIGERROR. tronpy checks permission keys
    # locally first, so sign by hand to reach the node.
    txn._signature = [other.sign_msg_hash(bytes.fromhex(txn.txid)).hex()]
    with pytest.raises(BadSignature, match="is signed by"):
        txn.broadcast()
    # A reverted transfer (more USDT than the owner holds) is accepted and fails inside the block.
    big = contract.functions.transfer(RECIPIENT, 10**12).with_owner(OWNER).fee_limit(50_000_000).build().sign(OWNER_KEY)
    receipt = big.broadcast().wait(timeout=20, interval=0.3)
    assert receipt["result"] == "FAILED" and receipt["receipt"]["result"] == "REVERT"
    # Too low a fee limit runs out of energy inside the block; the fee is still burned.
    low = contract.functions.transfer(RECIPIENT, 1).with_owner(OWNER).fee_limit(1_000_000).build().sign(OWNER_KEY)
    receipt = low.broadcast().wait(timeout=20, interval=0.3)
    assert receipt["receipt"]["result"] == "OUT_OF_ENERGY" and receipt["fee"] > 0


TRX = 1_000_000
BORROWER = "TCLBgkbfVkJroVBJVqBEsxtPNQEQMTQCLQ"


@pytest.fixture
def stake_devnet(tmp_path):
    node = Devnet(tmp_path, fund=[(OWNER, 100_000 * TRX, 100_000_000), (BORROWER, TRX, 0)], block_interval_ms=200,
                  extra_args=["--unfreeze-delay-seconds", "3"]).start()
    yield node
    node.stop()


def transfer_parameter(recipient, amount):
    """The ABI words of transfer(address,uint256), as a client sends them to an estimate."""
    from tronpy import keys
    return keys.to_hex_address(recipient)[2:].rjust(64, "0") + format(amount, "064x")


def test_tronpy_stake_2(stake_devnet):
    """Stake 2.0 through tronpy: freeze, the energy it buys (frozen / total energy weight × total energy limit), the
    energy estimate, a transfer paid from stake, delegate and undelegate, unfreeze, and withdraw after the delay."""
    from tronpy.exceptions import ValidationError
    devnet = stake_devnet
    client = Tron(HTTPProvider(devnet.url + "/"))
    devnet.produce(20)

    frozen = client.trx.freeze_balance(OWNER, 10_000 * TRX, "ENERGY").build().sign(OWNER_KEY).broadcast()
    assert frozen.wait(timeout=20, interval=0.3)["blockNumber"] > 0
    account = client.get_account(OWNER)
    assert account["frozenV2"] == [{}, {"type": "ENERGY", "amount": 10_000 * TRX}, {"type": "TRON_POWER"}]
    assert account["balance"] == 90_000 * TRX, "the freeze's bytes came from the free allowance"
    resource = client.get_account_resource(OWNER)
    limit = 10_000 * resource["TotalEnergyLimit"] // resource["TotalEnergyWeight"]
    assert resource["EnergyLimit"] == limit and client.get_energy(OWNER) == limit
    parameters = {entry["key"]: entry.get("value", 0) for entry in client.get_chain_parameters()}
    assert parameters["getEnergyFee"] == 100 and parameters["getUnfreezeDelayDays"] == 1

    parameter = transfer_parameter(RECIPIENT, 1_000_000)
    estimate = client.get_estimated_energy(OWNER, USDT, "transfer(address,uint256)", parameter)
    constant = client.trigger_constant_contract(OWNER, USDT, "transfer(address,uint256)", parameter)
    assert estimate == constant["energy_used"] == 130_285, "a first transfer to a recipient without USDT"
    assert estimate <= limit

    contract = client.get_contract(USDT)
    paid = (contract.functions.transfer(RECIPIENT, 1_000_000).with_owner(OWNER).fee_limit(estimate * 100 * 12 // 10)
            .build().sign(OWNER_KEY).broadcast().wait(timeout=20, interval=0.3))
    receipt = paid["receipt"]
    assert receipt["result"] == "SUCCESS" and receipt["energy_usage_total"] == estimate
    assert receipt["energy_usage"] == estimate and "energy_fee" not in receipt, "no TRX burned for energy"
    assert client.get_account_resource(OWNER)["EnergyUsed"] == estimate
    # To a holder now: the estimate drops, as on mainnet.
    assert client.get_estimated_energy(OWNER, USDT, "transfer(address,uint256)", parameter) == 64_285

    # What may be lent is the stake less what its own energy use stands for (java-tron's getCanDelegatedMaxSize).
    used = client.get_account_resource(OWNER)
    in_use = used["EnergyUsed"] * used["TotalEnergyWeight"] * TRX // used["TotalEnergyLimit"]
    assert client.get_can_delegated_max_size(OWNER, "ENERGY")["max_size"] == 10_000 * TRX - in_use
    with pytest.raises(ValidationError, match="available FreezeEnergyV2 balance"):
        client.trx.delegate_resource(OWNER, BORROWER, 10_000 * TRX - in_use + 1, "ENERGY").build().sign(OWNER_KEY).broadcast()
    delegated = client.trx.delegate_resource(OWNER, BORROWER, 2_000 * TRX, "ENERGY").build().sign(OWNER_KEY).broadcast()
    delegated.wait(timeout=20, interval=0.3)
    borrowed = client.get_account_resource(BORROWER)
    assert borrowed["EnergyLimit"] == 2_000 * borrowed["TotalEnergyLimit"] // borrowed["TotalEnergyWeight"]
    records = client.get_delegated_resource_v2(OWNER, BORROWER)["delegatedResource"]
    assert records == [{"from": OWNER, "to": BORROWER, "frozen_balance_for_energy": 2_000 * TRX}]
    assert client.get_delegated_resource_account_index_v2(OWNER)["toAccounts"] == [BORROWER]
    assert client.get_account(OWNER)["account_resource"]["delegated_frozenV2_balance_for_energy"] == 2_000 * TRX
    (client.trx.undelegate_resource(OWNER, BORROWER, 2_000 * TRX, "ENERGY").build().sign(OWNER_KEY).broadcast()
     .wait(timeout=20, interval=0.3))
    assert "EnergyLimit" not in client.get_account_resource(BORROWER)
    assert client.get_delegated_resource_v2(OWNER, BORROWER) == {}

    balance = client.get_account(OWNER)["balance"]
    unfrozen = (client.trx.unfreeze_balance(OWNER, "ENERGY", unfreeze_balance=1_000 * TRX).build().sign(OWNER_KEY)
                .broadcast().wait(timeout=20, interval=0.3))
    account = client.get_account(OWNER)
    assert account["frozenV2"][1] == {"type": "ENERGY", "amount": 9_000 * TRX}
    [pending] = account["unfrozenV2"]
    assert pending["type"] == "ENERGY" and pending["unfreeze_amount"] == 1_000 * TRX
    with pytest.raises(ValidationError, match="no unFreeze balance to withdraw"):
        client.trx.withdraw_stake_balance(OWNER).build().sign(OWNER_KEY).broadcast()
    import time
    time.sleep(max(0, pending["unfreeze_expire_time"] / 1000 - time.time()) + 0.5)
    withdrawn = client.trx.withdraw_stake_balance(OWNER).build().sign(OWNER_KEY).broadcast().wait(timeout=20, interval=0.3)
    assert withdrawn["withdraw_expire_amount"] == 1_000 * TRX
    after = client.get_account(OWNER)
    assert "unfrozenV2" not in after
    assert after["balance"] == balance + 1_000 * TRX - unfrozen.get("fee", 0) - withdrawn.get("fee", 0)
