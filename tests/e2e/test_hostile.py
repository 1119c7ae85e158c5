"""The attacks of issue 8, each run against a hardened stack of real processes, each now failing with an exact status.

The stack: tron-devnet (one chain; payment-rpc pays through its view 0, which the lying-node attack turns into a
liar), payment-rpc in `staging` (gRPC only on its Unix socket, peer uid checked, identity required, AdminService for
`ops/api-gateway` only), beta-sidecar in front of it with the shipped wallet-plane ACL, and payment-gateway.

Before the fix, each of these moved or could move money (issue 8 lists the figures); after it, none does: the
module's last test reconciles the ledger and the chain with the payouts the attacks were allowed to make (the
legitimate first uses) and finds nothing else.
The transport attacks that need their own server configuration (a peer with another uid, TCP in staging) are in
test_transport_identity.py; the lagging, lying and refusing nodes at scale (50 payouts each) are in
test_node_faults.py; a TRC-20 receipt without `receipt.result` cannot be produced by the devnet and is attacked in
the Swift processor tests (PayoutProcessorTests, PayoutStepTests).
"""
import base64
import hashlib
import json
import os
import time
import urllib.request

import grpc
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from grpc_health.v1 import health_pb2, health_pb2_grpc

from lucid.payment.v1 import admin_pb2, admin_pb2_grpc, payment_pb2 as pb, payment_pb2_grpc
from support.devnet import Devnet
from support.gateway import Gateway
from support.kyc import kyc_attestation
from support.paths import PAYMENT_GATEWAY, ROOT
from support.paying import hot_address, write_key_file
from support.payment_rpc import Staging
from support.processes import run
from support.sidecar import Sidecar, make_certs

HOT_USDT = 10_000_000_000
GATEWAY = [("x-lucid-source-plane", "ops"), ("x-lucid-source-service", "api-gateway")]
FINAL = {pb.PAYOUT_STATUS_CONFIRMED, pb.PAYOUT_STATUS_FAILED}


def address(tag):
    from tronpy.keys import PrivateKey
    return PrivateKey(hashlib.sha256(f"hostile-{tag}".encode()).digest()).public_key.to_base58check_address()


class Stack:
    """The hardened stack, and the payouts the attacks were allowed to make (recipient → amount)."""

    def __init__(self, directory):
        self.authority = Ed25519PrivateKey.generate()
        public = self.authority.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
        self.devnet = Devnet(directory, fund=[(hot_address(), 100_000_000_000, HOT_USDT)], block_interval_ms=300,
                             extra_args=["--solid-lag", "6"], views=1).start()
        self.view = self.devnet.views[0]
        self.server = Staging(directory, **{
            "PAYMENT_RPC_COMPLIANCE_AUTHORITY_PUBLIC_KEY": public,
            "PAYMENT_RPC_ADMIN_ALLOWED_CALLERS": "ops/api-gateway",
            "PAYMENT_RPC_PROCESSOR_ENABLED": "true",
            "PAYMENT_RPC_PROCESSOR_POLL_INTERVAL_MS": "200",
            "PAYMENT_RPC_PROCESSOR_EXPIRATION_MS": "3000",
            "PAYMENT_RPC_TRON_NODE_URL": self.view.url,
            "PAYMENT_RPC_TRON_SOLIDITY_URL": self.view.url,
            "PAYMENT_RPC_TRON_REQUEST_TIMEOUT_MS": "2000",
            "PAYMENT_RPC_WALLET_KEY_FILE": str(write_key_file(directory)),
            "PAYMENT_RPC_LIMITS_DAILY_UNITS": "900000000000",
            "PAYMENT_RPC_LIMITS_HOURLY_UNITS": "800000000000",
            "PAYMENT_RPC_LIMITS_V0_MAX_UNITS": "1000000000",
        })
        self.certs = make_certs(directory / "certs", "ops/api-gateway", "ops/payment-admin", "wallet/tron-payment")
        self.sidecar = Sidecar(directory, self.certs, f"unix:{self.server.socket}",
                               str(ROOT / "acl" / "wallet_plane.acl")).start()
        self.gateway = Gateway(directory, self.certs, self.sidecar.port).start()
        self.directory = directory
        self.allowed = {}  # recipient → amount of every payout an attack was allowed to make (legitimate uses)

    def socket_channel(self):
        return self.server.channel()

    def payouts(self):
        with self.socket_channel() as channel:
            stub = payment_pb2_grpc.PaymentServiceStub(channel)
            listed, token = [], ""
            while True:
                page = stub.ListPayouts(pb.ListPayoutsRequest(page_size=100, page_token=token), metadata=GATEWAY,
                                        timeout=10)
                listed += page.payouts
                token = page.next_page_token
                if not token:
                    return listed

    def stop(self):
        for process in (self.gateway, self.sidecar, self.server, self.devnet):
            process.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = Stack(tmp_path_factory.mktemp("hostile"))
    yield stack
    stack.stop()


def refused(call):
    with pytest.raises(grpc.RpcError) as error:
        call()
    return error.value


def test_forged_caller_cannot_reach_payment_rpc_around_the_sidecar(stack):
    """Before: anyone on the host called 127.0.0.1:50051 with no or forged identity; CreatePayout was paid and
    TripBreaker accepted. After: no TCP port at all; on the socket, no identity is UNAUTHENTICATED."""
    log = stack.server.log_path.read_text()
    assert "tcp 127.0.0.1" not in log and "gRPC only on the Unix socket" in log
    with stack.socket_channel() as channel:
        payments = payment_pb2_grpc.PaymentServiceStub(channel)
        admin = admin_pb2_grpc.AdminServiceStub(channel)
        request = pb.CreatePayoutRequest(idempotency_key="anon", recipient_address=address("anon"),
                                         amount_units=1_000_000, reason="attack")
        for call in (lambda: payments.CreatePayout(request, timeout=10),
                     lambda: admin.TripBreaker(admin_pb2.TripBreakerRequest(reason="attack"), timeout=10)):
            assert refused(call).code() == grpc.StatusCode.UNAUTHENTICATED
        assert admin.GetBreaker(admin_pb2.GetBreakerRequest(), metadata=GATEWAY, timeout=10).state \
            == pb.BREAKER_STATE_CLOSED


def test_an_identity_the_acl_admits_but_payment_rpc_does_not_name_cannot_trip_the_breaker(stack):
    """The shipped ACL lets ops/payment-admin reach AdminService; payment-rpc names only ops/api-gateway in
    admin.allowed_callers, so a wrong (or too wide) ACL alone does not open it: PERMISSION_DENIED from payment-rpc."""
    with stack.sidecar.channel("ops-payment-admin") as channel:
        admin = admin_pb2_grpc.AdminServiceStub(channel)
        error = refused(lambda: admin.TripBreaker(admin_pb2.TripBreakerRequest(reason="attack"), timeout=10))
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED
        assert "ops/payment-admin" in error.details()
    with stack.socket_channel() as channel:
        state = admin_pb2_grpc.AdminServiceStub(channel).GetBreaker(admin_pb2.GetBreakerRequest(),
                                                                    metadata=GATEWAY, timeout=10).state
    assert state == pb.BREAKER_STATE_CLOSED


def test_an_invalid_user_id_is_refused_not_dropped(stack):
    """Before: an invalid x-lucid-user-id was silently dropped (the caller then shared the gateway's idempotency
    scope). After: INVALID_ARGUMENT naming the header."""
    with stack.socket_channel() as channel:
        payments = payment_pb2_grpc.PaymentServiceStub(channel)
        request = pb.CreatePayoutRequest(idempotency_key="bad-user", recipient_address=address("bad-user"),
                                         amount_units=1_000_000, reason="attack")
        error = refused(lambda: payments.CreatePayout(request, metadata=GATEWAY + [("x-lucid-user-id", "a b")],
                                                      timeout=10))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert error.details().startswith("x-lucid-user-id")


def test_one_kyc_approval_pays_once_whoever_sends_it(stack):
    """Before: three callers resending one signed request made three payouts; the approval of batch K item 0 was
    accepted by CreatePayout with key K/0; approvals never expired. After: one payout; the other two callers get
    FAILED_PRECONDITION naming it; the batch approval does not verify for a single payout; an expired one is
    FAILED_PRECONDITION."""
    recipient, amount = address("kyc"), 5_000_000
    request = pb.CreatePayoutRequest(idempotency_key="kyc-once", recipient_address=recipient, amount_units=amount,
                                     reason="node reward", router=pb.ROUTER_TYPE_KYC,
                                     kyc=kyc_attestation(stack.authority, "kyc-once", recipient, amount))
    callers = [GATEWAY, [("x-lucid-source-plane", "ops"), ("x-lucid-source-service", "rewards")],
               [("x-lucid-source-plane", "ops"), ("x-lucid-source-service", "payment-admin")]]
    with stack.socket_channel() as channel:
        payments = payment_pb2_grpc.PaymentServiceStub(channel)
        first = payments.CreatePayout(request, metadata=callers[0], timeout=10).payout
        stack.allowed[recipient] = amount
        replay = payments.CreatePayout(request, metadata=callers[0], timeout=10)
        assert replay.replayed and replay.payout.payout_id == first.payout_id
        for caller in callers[1:]:
            error = refused(lambda: payments.CreatePayout(request, metadata=caller, timeout=10))
            assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
            assert first.payout_id in error.details()

        batch_recipient = address("kyc-batch")
        item_approval = kyc_attestation(stack.authority, "kyc-batch", batch_recipient, amount, batch_index=0)
        as_single = pb.CreatePayoutRequest(idempotency_key="kyc-batch/0", recipient_address=batch_recipient,
                                           amount_units=amount, reason="node reward", router=pb.ROUTER_TYPE_KYC,
                                           kyc=item_approval)
        error = refused(lambda: payments.CreatePayout(as_single, metadata=callers[1], timeout=10))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert error.details().startswith("kyc")

        expired_recipient = address("kyc-expired")
        expired = pb.CreatePayoutRequest(
            idempotency_key="kyc-expired", recipient_address=expired_recipient, amount_units=amount,
            reason="node reward", router=pb.ROUTER_TYPE_KYC,
            kyc=kyc_attestation(stack.authority, "kyc-expired", expired_recipient, amount,
                                not_after=int(time.time()) - 5))
        error = refused(lambda: payments.CreatePayout(expired, metadata=callers[0], timeout=10))
        assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert "expired" in error.details()


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_a_200_kb_address_is_refused_before_any_work(stack):
    """Before: a 200 KB recipientAddress over REST kept payment-rpc at 100% CPU for minutes (quadratic Base58
    decode, no cap) and stalled every RPC. After: 400 naming the field at once, and payment-rpc spends almost no CPU."""
    operator = stack.gateway.token("op-big", "node_operator")
    before = cpu_seconds(stack.server.process.pid)
    started = time.monotonic()
    for _ in range(5):
        status, _, body = stack.gateway.request("POST", "/api/payment/payouts", operator, {
            "idempotencyKey": f"big-{time.monotonic_ns()}", "recipientAddress": "T" * 200_000,
            "amountUnits": "1000000", "reason": "attack"})
        assert status == 400, body
        assert "recipient_address" in body["message"]
    elapsed = time.monotonic() - started
    spent = cpu_seconds(stack.server.process.pid) - before
    assert elapsed < 10, f"5 refusals took {elapsed:.1f} s"
    assert spent < 2.0, f"payment-rpc spent {spent:.2f} CPU seconds refusing 5 oversized addresses"
    with stack.socket_channel() as channel:
        health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=2)
    assert health.status == health_pb2.HealthCheckResponse.SERVING


def test_node_operators_see_only_their_own_payouts(stack):
    """Before: a node_operator listed and read every payout. After: 404 for another's payout, lists filtered."""
    first, second = stack.gateway.token("op-a", "node_operator"), stack.gateway.token("op-b", "node_operator")
    recipient = address("op-a")
    status, _, created = stack.gateway.request("POST", "/api/payment/payouts", first, {
        "idempotencyKey": "op-a-1", "recipientAddress": recipient, "amountUnits": "2000000", "reason": "reward"})
    assert status == 200, created
    stack.allowed[recipient] = 2_000_000
    payout_id = created["payout"]["payoutId"]
    status, _, _ = stack.gateway.request("GET", f"/api/payment/payouts/{payout_id}", second)
    assert status == 404
    status, _, _ = stack.gateway.request("GET", f"/api/payment/payouts/{payout_id}/transaction", second)
    assert status == 404
    status, _, listed = stack.gateway.request("GET", "/api/payment/payouts", second)
    assert status == 200 and all(p["payoutId"] != payout_id for p in listed.get("payouts", []))
    status, _, own = stack.gateway.request("GET", "/api/payment/payouts", first)
    assert status == 200 and [p["payoutId"] for p in own["payouts"]] == [payout_id]


def test_x_forwarded_for_does_not_dodge_the_health_limit(stack):
    """Before: the health limit was keyed on the caller's X-Forwarded-For, so a new value per request dodged it.
    After: it keys on the peer address (no trusted proxy configured): the 121st request in a minute is 429.
    The limit's windows are calendar minutes, so a slow run may split the requests between two or three of them: up
    to 361 requests (more than 3 × 120) are sent, stopping at the first 429."""
    statuses = []
    for n in range(361):
        request = urllib.request.Request(f"{stack.gateway.url}/api/payment/health",
                                         headers={"X-Forwarded-For": f"10.{n // 250}.{n % 250}.1"})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                statuses.append(response.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
            if error.code == 429:
                break
    assert statuses[-1] == 429 and set(statuses[:-1]) <= {200, 503}, statuses[-10:]


def test_a_short_hs256_secret_or_hmac_with_jwks_stops_the_gateway(stack, tmp_path):
    """Before: the HS256 secret could be empty, and HMAC and JWKS could be configured together. After: startup
    refuses both, naming the flags and never printing the secret."""
    secret = tmp_path / "short.secret"
    secret.write_text("s3cr3t-but-short")
    os.chmod(secret, 0o600)
    base = [PAYMENT_GATEWAY, "--listen", "127.0.0.1:0", "--sidecar", "localhost:1",
            "--cert", str(stack.certs / "ops-api-gateway.pem"), "--key", str(stack.certs / "ops-api-gateway.key"),
            "--ca", str(stack.certs / "ca.pem"), "--openapi-dir", str(ROOT / "openapi")]
    short = run(base + ["--jwt-secret-file", str(secret)], capture_output=True, text=True, timeout=30)
    assert short.returncode != 0 and "--jwt-secret-file" in short.stderr + short.stdout
    assert "s3cr3t-but-short" not in short.stderr + short.stdout
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": []}))
    both = run(base + ["--jwt-secret-file", str(stack.gateway.secret), "--jwks", str(jwks)],
               capture_output=True, text=True, timeout=30)
    output = both.stderr + both.stdout
    assert both.returncode != 0 and "--jwt-secret-file" in output and "--jwks" in output


def test_a_lying_node_cannot_make_the_processor_pay_twice(stack):
    """Before: a node that broadcast honestly but answered {} to lookups (with a 3 s expiration) made the processor
    pay each of 10 payouts twice within 10 s. After: with the node lying (lookups {}, clock ten minutes ahead) for
    15 s, nothing is paid twice and nothing is FAILED; once it answers honestly, all confirm, each paid once."""
    stack.view.lying(clock_offset_ms=600_000)
    recipients = [address(f"lying-{n}") for n in range(10)]
    try:
        with stack.socket_channel() as channel:
            payments = payment_pb2_grpc.PaymentServiceStub(channel)
            ids = []
            for n, recipient in enumerate(recipients):
                ids.append(payments.CreatePayout(pb.CreatePayoutRequest(
                    idempotency_key=f"lying-{n}", recipient_address=recipient, amount_units=1_000_000 + n,
                    reason="attack"), metadata=GATEWAY, timeout=10).payout.payout_id)
                stack.allowed[recipient] = 1_000_000 + n
            deadline = time.time() + 15
            while time.time() < deadline:
                for recipient in recipients:
                    assert len(stack.devnet.transfers(to=recipient)) <= 1, f"{recipient} paid twice"
                time.sleep(1)
            statuses = [payments.GetPayout(pb.GetPayoutRequest(payout_id=i), metadata=GATEWAY, timeout=10).status
                        for i in ids]
            assert pb.PAYOUT_STATUS_FAILED not in statuses
    finally:
        stack.view.honest()


def test_none_of_the_attacks_created_or_moved_money(stack):
    """The ledger holds exactly the payouts the attacks were allowed to make, each ends CONFIRMED, and the chain
    paid each recipient exactly once and nobody else."""
    deadline = time.time() + 90
    while True:
        payouts = stack.payouts()
        if all(p.status in FINAL for p in payouts) or time.time() > deadline:
            break
        time.sleep(1)
    assert {p.recipient_address: p.amount_units for p in payouts} == stack.allowed
    assert len(payouts) == len(stack.allowed)
    assert all(p.status == pb.PAYOUT_STATUS_CONFIRMED for p in payouts), [(p.payout_id, p.status) for p in payouts]
    transfers = stack.devnet.transfers()
    paid = {}
    for transfer in transfers:
        paid.setdefault(transfer["to"], []).append(int(transfer["amount_units"]))
    assert {to: amounts for to, amounts in paid.items()} == {to: [amount] for to, amount in stack.allowed.items()}
    balance = stack.devnet.balance(hot_address())
    assert int(balance["usdt_units"]) == HOT_USDT - sum(stack.allowed.values())
