"""payctl: key files (0600, address), and offline signing that matches the known-answer vector byte for byte."""
import json
import os
import pathlib
import stat

from support.paths import PAYCTL, ROOT
from support.processes import run

VECTOR = json.loads((ROOT / "Tests" / "TronKitTests" / "Fixtures" / "vectors.json").read_text())["usdt_transfer_offline"]


def payctl(*args):
    return run([PAYCTL, *args], capture_output=True, text=True, timeout=30)


def test_keys_generate_and_address(tmp_path):
    key_file = tmp_path / "hot.key"
    generated = payctl("keys", "generate", "--out", str(key_file))
    assert generated.returncode == 0, generated.stderr
    address = generated.stdout.strip()
    assert address.startswith("T") and len(address) == 34
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    secret = key_file.read_text().strip()
    assert len(secret) == 64 and secret not in generated.stdout + generated.stderr
    shown = payctl("keys", "address", "--key-file", str(key_file))
    assert shown.stdout.strip() == address and secret not in shown.stdout + shown.stderr
    again = payctl("keys", "generate", "--out", str(key_file))
    assert again.returncode != 0, "an existing key file is never overwritten"
    os.chmod(key_file, 0o640)
    loose = payctl("keys", "address", "--key-file", str(key_file))
    assert loose.returncode != 0 and "has mode 0640" in loose.stderr and secret not in loose.stderr


def test_offline_usdt_transfer_matches_the_vector(tmp_path):
    key_file = tmp_path / "vector.key"
    key_file.write_text(VECTOR["private_key"])
    os.chmod(key_file, 0o600)
    result = payctl("tx", "usdt-transfer", "--key-file", str(key_file), "--to", VECTOR["to_base58"],
                    "--amount-units", str(VECTOR["amount_units"]), "--contract", VECTOR["contract_base58"],
                    "--ref-block-id", VECTOR["ref_block_id"], "--timestamp", str(VECTOR["timestamp"]),
                    "--expiration", str(VECTOR["expiration"]), "--fee-limit", str(VECTOR["fee_limit"]))
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["raw_data_hex"] == VECTOR["raw_data_hex"]
    assert output["txid"] == VECTOR["txID"]
    assert output["signature"] == VECTOR["signature"]
    assert output["transaction_hex"] == VECTOR["signed_transaction_protobuf_hex"]
    assert VECTOR["private_key"] not in result.stdout + result.stderr


def test_node_queries_through_the_tron_client(tmp_path):
    from support.devnet import Devnet
    owner = "TPYD4hfQ7rYTUnmyF9JH9NAnvtHuDVcoAo"
    devnet = Devnet(tmp_path, fund=[(owner, 7_000_000, 12_345_678)], block_interval_ms=0).start()
    try:
        devnet.produce(25)
        info = payctl("node", "info", "--node", devnet.url)
        assert info.returncode == 0, info.stderr
        lines = info.stdout.splitlines()
        assert lines[0].startswith("head 25 00000000000000")
        assert lines[1].startswith("solid 7 ") and "(node info: head 25, solid 7)" in lines[1]
        assert "getEnergyFee 100" in lines and "getTransactionFee 1000" in lines
        balance = payctl("node", "balance", "--node", devnet.url, "--address", owner)
        assert balance.returncode == 0, balance.stderr
        assert balance.stdout.splitlines() == ["trx_sun 7000000", "usdt_units 12345678", "free_net_limit 600"]
    finally:
        devnet.stop()


def test_transfer_built_against_the_node_is_accepted_by_it(tmp_path):
    from support.devnet import Devnet
    key_file = tmp_path / "vector.key"
    key_file.write_text(VECTOR["private_key"])
    os.chmod(key_file, 0o600)
    devnet = Devnet(tmp_path, fund=[(VECTOR["owner_base58"], 100_000_000, 50_000_000)], block_interval_ms=0).start()
    try:
        devnet.produce(20)
        result = payctl("tx", "usdt-transfer", "--key-file", str(key_file), "--to", VECTOR["to_base58"],
                        "--amount-units", "1234", "--node", devnet.url)
        assert result.returncode == 0, result.stderr
        signed = json.loads(result.stdout)
        reply = devnet.call("wallet/broadcasthex", {"transaction": signed["transaction_hex"]})
        assert reply["result"] is True and reply["txid"] == signed["txid"], reply
        devnet.produce(1)
        assert devnet.balance(VECTOR["to_base58"])["usdt_units"] == 1234
    finally:
        devnet.stop()
