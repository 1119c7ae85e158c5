"""Faults: with 20% of node requests answered 5xx or timed out and 10% of broadcasts silently dropped, 200 payouts
all end CONFIRMED exactly once, and the devnet's USDT ledger reconciles with the payout ledger."""
import random
import time

import grpc

from lucid.payment.v1 import payment_pb2 as pb, payment_pb2_grpc
from support.paying import hot_address, paying_stack
from support.payouts import FINAL, RECIPIENTS, list_all

PAYOUTS = 200


def test_200_payouts_under_node_faults_confirm_exactly_once(tmp_path):
    devnet, server = paying_stack(tmp_path, extra_env={"PAYMENT_RPC_TRON_REQUEST_TIMEOUT_MS": "1000"})
    try:
        devnet.faults(http_error_rate=0.1, timeout_rate=0.1, timeout_seconds=1.5, drop_broadcast_rate=0.1)
        stub = payment_pb2_grpc.PaymentServiceStub(grpc.insecure_channel(server.target))
        before = {r: devnet.balance(r)["usdt_units"] for r in RECIPIENTS}
        hot_before = devnet.balance(hot_address())["usdt_units"]
        rng = random.Random(7)
        expected = {r: 0 for r in RECIPIENTS}
        for n in range(PAYOUTS):
            recipient = rng.choice(RECIPIENTS)
            amount = rng.randint(1, 5_000_000)
            expected[recipient] += amount
            stub.CreatePayout(pb.CreatePayoutRequest(idempotency_key=f"fault-{n}", recipient_address=recipient,
                                                     amount_units=amount, reason="fault test"), timeout=10)
        deadline = time.time() + 240
        while time.time() < deadline:
            payouts = list_all(stub)
            if all(p.status in FINAL for p in payouts):
                break
            time.sleep(1)
        statuses = [pb.PayoutStatus.Name(p.status) for p in payouts]
        assert statuses.count("PAYOUT_STATUS_CONFIRMED") == PAYOUTS, {s: statuses.count(s) for s in set(statuses)}
        devnet.call("admin/faults", {"http_error_rate": 0, "timeout_rate": 0, "drop_broadcast_rate": 0})
        for recipient in RECIPIENTS:
            assert devnet.balance(recipient)["usdt_units"] - before[recipient] == expected[recipient], recipient
        assert hot_before - devnet.balance(hot_address())["usdt_units"] == sum(expected.values())
        txids = [p.txid for p in payouts]
        assert len(set(txids)) == PAYOUTS
        for txid in txids:
            info = devnet.call("wallet/gettransactioninfobyid", {"value": txid})
            assert info["receipt"]["result"] == "SUCCESS"
    finally:
        server.stop()
        devnet.stop()
