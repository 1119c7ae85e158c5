"""kill -9 while 8 clients create payouts: every acknowledged payout survives exactly once, and retrying every
key (acknowledged or not) creates no duplicate."""
import random
import threading
import time

import grpc

from support.payment_rpc import PaymentRPCProcess
from lucid.payment.v1 import payment_pb2 as pb, payment_pb2_grpc

RECIPIENT = "TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf"
CLIENTS = 8
ROUNDS = 3


def client_loop(target, client, round_, stop, acknowledged, attempted, lock):
    channel = grpc.insecure_channel(target)
    stub = payment_pb2_grpc.PaymentServiceStub(channel)
    n = 0
    while not stop.is_set():
        key = f"crash-r{round_}-c{client}-{n}"
        n += 1
        with lock:
            attempted.add(key)
        try:
            response = stub.CreatePayout(pb.CreatePayoutRequest(
                idempotency_key=key, recipient_address=RECIPIENT, amount_units=1_000 + n, reason="crash test"),
                timeout=5)
        except grpc.RpcError:
            break  # the server died under us: the outcome of this key is unknown
        with lock:
            acknowledged[key] = response.payout.payout_id
    channel.close()


def test_kill9_during_concurrent_creates(state_dir):
    server = PaymentRPCProcess(state_dir, extra_env={
        "PAYMENT_RPC_LIMITS_DAILY_UNITS": "9000000000000", "PAYMENT_RPC_LIMITS_HOURLY_UNITS": "8000000000000"}).start()
    acknowledged, attempted, lock = {}, set(), threading.Lock()
    for round_ in range(ROUNDS):
        stop = threading.Event()
        threads = [threading.Thread(target=client_loop,
                                    args=(server.target, c, round_, stop, acknowledged, attempted, lock))
                   for c in range(CLIENTS)]
        for thread in threads:
            thread.start()
        time.sleep(random.uniform(0.8, 1.6))
        server.kill9()
        stop.set()
        for thread in threads:
            thread.join()
        server.start()

    assert len(acknowledged) > 100, f"only {len(acknowledged)} creates were acknowledged"
    channel = grpc.insecure_channel(server.target)
    stub = payment_pb2_grpc.PaymentServiceStub(channel)

    # Every acknowledged payout is there, unchanged.
    for key, payout_id in acknowledged.items():
        assert stub.GetPayout(pb.GetPayoutRequest(payout_id=payout_id)).idempotency_key == key

    # Retrying every attempted key returns the acknowledged payout or creates the lost one once.
    retried = {}
    for key in sorted(attempted):
        client, n = key.split("-c")[1].split("-")
        response = stub.CreatePayout(pb.CreatePayoutRequest(
            idempotency_key=key, recipient_address=RECIPIENT, amount_units=1_000 + int(n) + 1, reason="crash test"),
            timeout=5)
        if key in acknowledged:
            assert response.replayed and response.payout.payout_id == acknowledged[key]
        retried[key] = response.payout.payout_id

    # Exactly one payout per key in the whole ledger.
    keys, token = [], ""
    while True:
        page = stub.ListPayouts(pb.ListPayoutsRequest(page_size=100, page_token=token))
        keys += [p.idempotency_key for p in page.payouts]
        token = page.next_page_token
        if not token:
            break
    assert len(keys) == len(set(keys)) == len(attempted)
    channel.close()
    server.stop()
