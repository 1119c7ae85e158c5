#!/usr/bin/env python3
"""Prints EstimatePayoutCost's figures beside what each payout actually burned, for 20 payouts on tron-devnet
(10 recipients, each paid twice: a first-time recipient, then a holder), unstaked.

    python3 scripts/treasury-estimates.py        (after `swift build` and tests/e2e/gen_stubs.sh)

On the devnet the estimate and the execution share one energy function, so they agree by construction; the figures
show the shape (first-time recipients cost about twice) and that fee_limit covers the burn. Against a real node the
same script measures the estimate's error."""
import pathlib
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

import grpc  # noqa: E402
from tronpy.keys import PrivateKey  # noqa: E402

import support  # noqa: E402,F401
from lucid.payment.v1 import payment_pb2 as pb, payment_pb2_grpc  # noqa: E402
from lucid.payment.v1 import treasury_pb2 as tr, treasury_pb2_grpc  # noqa: E402
from support.paying import paying_stack  # noqa: E402


def main():
    with tempfile.TemporaryDirectory() as directory:
        devnet, server = paying_stack(pathlib.Path(directory))
        try:
            channel = grpc.insecure_channel(server.target)
            payments = payment_pb2_grpc.PaymentServiceStub(channel)
            treasury = treasury_pb2_grpc.TreasuryServiceStub(channel)
            devnet.produce(20)
            recipients = [PrivateKey(bytes([n + 1] * 32)).public_key.to_base58check_address() for n in range(10)]
            print(f"{'#':>2} {'recipient':34} {'first':5} {'est energy':>10} {'est burn sun':>12} "
                  f"{'fee_limit':>10} {'energy used':>11} {'burned sun':>10} {'diff':>6}")
            total_estimate = total_burn = 0
            for n in range(20):
                recipient = recipients[n % 10]
                amount = 1_000_000 + n
                estimate = treasury.EstimatePayoutCost(
                    tr.EstimatePayoutCostRequest(recipient_address=recipient, amount_units=amount))
                payout = payments.CreatePayout(pb.CreatePayoutRequest(
                    idempotency_key=f"estimate-{n}", recipient_address=recipient, amount_units=amount,
                    reason="estimate check")).payout
                deadline = time.time() + 60
                while payout.status != pb.PAYOUT_STATUS_CONFIRMED and time.time() < deadline:
                    time.sleep(0.2)
                    payout = payments.GetPayout(pb.GetPayoutRequest(payout_id=payout.payout_id))
                info = devnet.call("wallet/gettransactioninfobyid", {"value": payout.txid})
                receipt = info.get("receipt", {})
                burned = info.get("fee", 0)
                total_estimate += estimate.trx_burn_sun
                total_burn += burned
                print(f"{n + 1:>2} {recipient:34} {str(estimate.first_time_recipient):5} {estimate.energy:>10} "
                      f"{estimate.trx_burn_sun:>12} {estimate.fee_limit_sun:>10} "
                      f"{receipt.get('energy_usage_total', 0):>11} {burned:>10} {burned - estimate.trx_burn_sun:>6}")
            print(f"total estimated burn {total_estimate} sun, total actual burn {total_burn} sun, "
                  f"difference {total_burn - total_estimate} sun")
        finally:
            server.stop()
            devnet.stop()


if __name__ == "__main__":
    main()
