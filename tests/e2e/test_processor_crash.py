"""Crash: kill -9 payment-rpc at random moments (12 times) while 300 payouts are processed. After the last restart,
every payout is CONFIRMED or FAILED with a reason, each recipient received exactly the sum of its confirmed payouts,
and no payout was paid twice."""
import random
import time

import grpc

from lucid.payment.v1 import payment_pb2 as pb, payment_pb2_grpc
from support.paying import hot_address, paying_stack
from support.payouts import FINAL, RECIPIENTS, list_all

PAYOUTS = 300
KILLS = 12


def test_kill9_while_paying(tmp_path):
    devnet, server = paying_stack(tmp_path)
    try:
        stub = payment_pb2_grpc.PaymentServiceStub(grpc.insecure_channel(server.target))
        before = {r: devnet.balance(r)["usdt_units"] for r in RECIPIENTS}
        hot_before = devnet.balance(hot_address())["usdt_units"]
        rng = random.Random(11)
        amounts = {}
        for n in range(PAYOUTS):
            recipient = rng.choice(RECIPIENTS)
            amount = rng.randint(1, 3_000_000)
            created = stub.CreatePayout(pb.CreatePayoutRequest(
                idempotency_key=f"crash-{n}", recipient_address=recipient, amount_units=amount, reason="crash test"),
                timeout=10)
            amounts[created.payout.payout_id] = (recipient, amount)
            if n % 30 == 29:  # kill while payouts are still arriving and being paid
                time.sleep(rng.uniform(0.05, 0.6))
                server.kill9()
                server.start()
                stub = payment_pb2_grpc.PaymentServiceStub(grpc.insecure_channel(server.target))
        for _ in range(KILLS - PAYOUTS // 30):
            time.sleep(rng.uniform(0.1, 1.5))
            server.kill9()
            server.start()
        stub = payment_pb2_grpc.PaymentServiceStub(grpc.insecure_channel(server.target))

        deadline = time.time() + 240
        while time.time() < deadline:
            payouts = list_all(stub)
            if all(p.status in FINAL for p in payouts):
                break
            time.sleep(1)
        assert len(payouts) == PAYOUTS
        unfinished = [p for p in payouts if p.status not in FINAL]
        assert not unfinished, [pb.PayoutStatus.Name(p.status) for p in unfinished][:10]
        for payout in payouts:
            if payout.status == pb.PAYOUT_STATUS_FAILED:
                assert payout.failure_reason, payout.payout_id
        confirmed = [p for p in payouts if p.status == pb.PAYOUT_STATUS_CONFIRMED]
        assert len(confirmed) >= PAYOUTS * 0.95, f"only {len(confirmed)} confirmed"

        expected = {r: 0 for r in RECIPIENTS}
        for payout in confirmed:
            recipient, amount = amounts[payout.payout_id]
            expected[recipient] += amount
        for recipient in RECIPIENTS:
            assert devnet.balance(recipient)["usdt_units"] - before[recipient] == expected[recipient], recipient
        assert hot_before - devnet.balance(hot_address())["usdt_units"] == sum(expected.values())
        txids = [p.txid for p in confirmed]
        assert len(set(txids)) == len(txids), "no txID paid twice"
    finally:
        server.stop()
        devnet.stop()
