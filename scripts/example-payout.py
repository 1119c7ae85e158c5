#!/usr/bin/env python3
"""Creates a payout through the local stack's sidecar (mTLS as ops/api-gateway) and follows it to CONFIRMED.
Usage: scripts/example-payout.py [RECIPIENT] [AMOUNT_UNITS]     (after scripts/dev-stack.sh is up)"""
import pathlib
import subprocess
import sys
import time
import uuid

ROOT = pathlib.Path(__file__).resolve().parents[1]
if not (ROOT / "tests/e2e/gen/lucid").exists():
    subprocess.run([str(ROOT / "tests/e2e/gen_stubs.sh")], check=True)
sys.path.insert(0, str(ROOT / "tests/e2e/gen"))
import grpc  # noqa: E402
from lucid.payment.v1 import payment_pb2 as pb, payment_pb2_grpc  # noqa: E402

certs = ROOT / ".state/certs"
credentials = grpc.ssl_channel_credentials(
    root_certificates=(certs / "ca.pem").read_bytes(), private_key=(certs / "ops-api-gateway.key").read_bytes(),
    certificate_chain=(certs / "ops-api-gateway.pem").read_bytes())
stub = payment_pb2_grpc.PaymentServiceStub(grpc.secure_channel("localhost:50443", credentials))
recipient = sys.argv[1] if len(sys.argv) > 1 else "TE2vQGQiihnDQ2qSi4guvFs2QXw3W3Nxrp"
amount = int(sys.argv[2]) if len(sys.argv) > 2 else 1_500_000
created = stub.CreatePayout(pb.CreatePayoutRequest(
    idempotency_key=f"example-{uuid.uuid4()}", recipient_address=recipient, amount_units=amount, reason="example"))
print(f"created {created.payout.payout_id} ({amount} units to {recipient}), requested_by {created.payout.requested_by}")
while True:
    status = stub.GetTransactionStatus(pb.GetTransactionStatusRequest(payout_id=created.payout.payout_id))
    print(f"  {pb.PayoutStatus.Name(status.status)[14:]:10} txid {status.txid[:16] or '-':16} block {status.block_number} "
          f"confirmations {status.confirmations}/{status.required_confirmations}")
    if status.status in (pb.PAYOUT_STATUS_CONFIRMED, pb.PAYOUT_STATUS_FAILED):
        print(f"fee {status.fee_sun} sun, energy {status.energy_used}, bandwidth {status.bandwidth_used} {status.failure_reason}")
        break
    time.sleep(5)
