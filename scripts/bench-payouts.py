#!/usr/bin/env python3
"""End-to-end payout benchmark: payment-rpc (release) paying on tron-devnet with 300 ms blocks. Offers payouts at a
fixed rate for a while and prints how many were CONFIRMED per minute and whether a backlog grew.
Usage: scripts/bench-payouts.py [--rate 50] [--seconds 60]   (after scripts/bench.sh or a release build)"""
import argparse
import pathlib
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
import os  # noqa: E402

os.environ.setdefault("LUCID_BIN_DIR", str(ROOT / ".build" / "release"))

import grpc  # noqa: E402
from support.paying import paying_stack  # noqa: E402 (importing support makes the generated stubs importable)
from lucid.payment.v1 import payment_pb2 as pb, payment_pb2_grpc  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--rate", type=int, default=50)
parser.add_argument("--seconds", type=int, default=60)
args = parser.parse_args()

with tempfile.TemporaryDirectory() as directory:
    devnet, server = paying_stack(pathlib.Path(directory), usdt_units=10**13, extra_env={"PAYMENT_RPC_LOG_LEVEL": "warning"})
    stub = payment_pb2_grpc.PaymentServiceStub(grpc.insecure_channel(server.target))
    created = []
    started = time.time()

    def offer():
        n = 0
        while time.time() - started < args.seconds:
            target = started + n / args.rate
            time.sleep(max(0, target - time.time()))
            response = stub.CreatePayout(pb.CreatePayoutRequest(
                idempotency_key=f"bench-{n}", recipient_address="TE2vQGQiihnDQ2qSi4guvFs2QXw3W3Nxrp",
                amount_units=1_000, reason="benchmark"), timeout=10)
            created.append(response.payout.payout_id)
            n += 1

    thread = threading.Thread(target=offer)
    thread.start()
    samples = []
    while thread.is_alive() or time.time() - started < args.seconds + 30:
        time.sleep(5)
        stats = stub.GetStats(pb.GetStatsRequest())
        counts = {pb.PayoutStatus.Name(c.status).replace("PAYOUT_STATUS_", ""): c.count for c in stats.counts}
        in_flight = counts["PENDING"] + counts["SIGNED"] + counts["BROADCAST"]
        samples.append((time.time() - started, counts["CONFIRMED"], in_flight))
        print(f"t={samples[-1][0]:5.0f}s confirmed={counts['CONFIRMED']:6d} not-final={in_flight:5d} (pending {counts['PENDING']}, signed {counts['SIGNED']}, broadcast {counts['BROADCAST']}) failed={counts['FAILED']}")
        if not thread.is_alive() and in_flight == 0:
            break
    thread.join()
    window = [s for s in samples if 20 <= s[0] <= args.seconds]
    if len(window) >= 2:
        rate = (window[-1][1] - window[0][1]) / (window[-1][0] - window[0][0]) * 60
        print(f"offered {args.rate}/s for {args.seconds}s: {rate:.0f} confirmed payouts/min in steady state; "
              f"not-final backlog {window[0][2]} → {window[-1][2]} over that window")
    server.stop()
    devnet.stop()
