"""Fees known before signing, on tron-devnet: each transfer's fee_limit is the node's energy estimate plus the margin;
with enough TRX staked for energy a payout burns no TRX for energy, without it burns what the estimate said; a hot
wallet without TRX holds payouts (nothing signed, nothing failed, the breaker closed) until a top-up pays each once."""
import re
import time
import urllib.request

import grpc
from tronpy import Tron
from tronpy.keys import PrivateKey
from tronpy.providers import HTTPProvider

from lucid.payment.v1 import payment_pb2 as pb, payment_pb2_grpc
from support.paying import HOT_KEY, hot_address, paying_stack
from support.payouts import wait_final

USDT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
RECIPIENTS = ["TE2vQGQiihnDQ2qSi4guvFs2QXw3W3Nxrp", "TMVQGm1qAQYVdetCeGRRkTWYYrLXuHK2HC"]
TRX = 1_000_000
MARGIN_PERCENT = 20
FLOOR_ENERGY = 130_285  # tron.min_transfer_energy: a new holder's transfer




def estimate(devnet, recipient, amount):
    from tronpy import keys
    parameter = keys.to_hex_address(recipient)[2:].rjust(64, "0") + format(amount, "064x")
    answer = devnet.call("wallet/triggerconstantcontract", {
        "owner_address": hot_address(), "contract_address": USDT, "function_selector": "transfer(address,uint256)",
        "parameter": parameter, "visible": True})
    return answer["energy_used"]


def pay(stub, key, recipient, amount):
    return stub.CreatePayout(pb.CreatePayoutRequest(
        idempotency_key=key, recipient_address=recipient, amount_units=amount, reason="fees")).payout.payout_id


def test_fee_limit_from_the_estimate_and_stake_paying_the_energy(tmp_path):
    devnet, server = paying_stack(tmp_path)
    try:
        stub = payment_pb2_grpc.PaymentServiceStub(grpc.insecure_channel(server.target))
        devnet.produce(20)

        # Unstaked: the energy burns, exactly what the estimate said, and fee_limit is the estimate + the margin.
        expected = estimate(devnet, RECIPIENTS[0], 1_000_000)
        [unstaked] = wait_final(stub, [pay(stub, "unstaked", RECIPIENTS[0], 1_000_000)])
        assert unstaked.status == pb.PAYOUT_STATUS_CONFIRMED, unstaked.failure_reason
        info = devnet.call("wallet/gettransactioninfobyid", {"value": unstaked.txid})
        assert info["receipt"]["energy_usage_total"] == expected
        assert info["receipt"]["energy_fee"] == expected * 100, "burned what the estimate said"
        transaction = devnet.call("wallet/gettransactionbyid", {"value": unstaked.txid})
        assert transaction["raw_data"]["fee_limit"] == -(-max(expected, FLOOR_ENERGY) * 100 * (100 + MARGIN_PERCENT) // 100)

        # Staked through tronpy with the hot wallet's own key: the next payout burns no TRX for energy.
        client = Tron(HTTPProvider(devnet.url + "/"))
        hot = PrivateKey(bytes.fromhex(HOT_KEY))
        client.trx.freeze_balance(hot_address(), 20_000 * TRX, "ENERGY").build().sign(hot).broadcast().wait(
            timeout=20, interval=0.3)
        resource = client.get_account_resource(hot_address())
        assert resource["EnergyLimit"] >= 2 * 130_285, resource
        trx_before = devnet.balance(hot_address())["trx_sun"]
        expected = estimate(devnet, RECIPIENTS[1], 2_000_000)
        [staked] = wait_final(stub, [pay(stub, "staked", RECIPIENTS[1], 2_000_000)])
        assert staked.status == pb.PAYOUT_STATUS_CONFIRMED, staked.failure_reason
        receipt = devnet.call("wallet/gettransactioninfobyid", {"value": staked.txid})["receipt"]
        assert receipt["energy_usage"] == receipt["energy_usage_total"] == expected
        assert "energy_fee" not in receipt, "no TRX burned for energy"
        burned = trx_before - devnet.balance(hot_address())["trx_sun"]
        assert burned == receipt.get("net_fee", 0), "only bandwidth, if any"
    finally:
        server.stop()
        devnet.stop()


def test_a_wallet_without_trx_holds_payouts_until_a_top_up(tmp_path):
    devnet, server = paying_stack(tmp_path, trx_sun=0)
    try:
        stub = payment_pb2_grpc.PaymentServiceStub(grpc.insecure_channel(server.target))
        devnet.produce(20)
        ids = [pay(stub, f"empty-{i}", RECIPIENTS[i % 2], 1_000_000 + i) for i in range(3)]
        deadline = time.time() + 20
        stats = stub.GetStats(pb.GetStatsRequest())
        while stats.fee_waiting_count < 3 and time.time() < deadline:
            time.sleep(0.3)
            stats = stub.GetStats(pb.GetStatsRequest())
        assert stats.fee_waiting_count == 3, stats
        assert "the hot wallet holds 0 sun" in stats.fee_waiting_reason
        assert stats.breaker_state == pb.BREAKER_STATE_CLOSED
        time.sleep(2)  # several rounds more: still nothing signed or failed
        for payout_id in ids:
            payout = stub.GetPayout(pb.GetPayoutRequest(payout_id=payout_id))
            assert payout.status == pb.PAYOUT_STATUS_PENDING and not payout.txid
        assert devnet.call("admin/stats", {})["broadcasts"] == {}
        with urllib.request.urlopen(f"http://127.0.0.1:{server.admin_port}/metrics", timeout=5) as response:
            metrics = response.read().decode()
        assert re.search(r"^tron_payouts_waiting_for_trx 3(\.0)?$", metrics, re.M), metrics
        assert re.search(r"^tron_hot_wallet_trx_sun 0(\.0)?$", metrics, re.M)

        devnet.call("admin/mint", {"address": hot_address(), "trx_sun": 100 * TRX, "usdt_units": 0})
        payouts = wait_final(stub, ids)
        assert [p.status for p in payouts] == [pb.PAYOUT_STATUS_CONFIRMED] * 3, [p.failure_reason for p in payouts]
        transfers = devnet.transfers()
        assert sorted(t["txid"] for t in transfers) == sorted(p.txid for p in payouts), "exactly one transfer each"
        assert stub.GetStats(pb.GetStatsRequest()).fee_waiting_count == 0
    finally:
        server.stop()
        devnet.stop()
