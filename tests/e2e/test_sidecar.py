"""beta-sidecar in front of payment-rpc, real processes and real mTLS, driven by grpcio (an independent HTTP/2
client): allowed calls pass with the proven identity, denied ones get PERMISSION_DENIED naming the rule and never
reach payment-rpc, callers without a certificate cannot connect, forged identity metadata is overwritten, streaming
works, and an unhealthy upstream answers UNAVAILABLE at once."""
import time
import urllib.request

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from lucid.payment.v1 import payment_pb2 as pb, payment_pb2_grpc
from support.paths import ROOT
from support.payment_rpc import PaymentRPCProcess
from support.sidecar import Sidecar, make_certs

RECIPIENT = "TE2vQGQiihnDQ2qSi4guvFs2QXw3W3Nxrp"


@pytest.fixture
def stack(tmp_path):
    certs = make_certs(tmp_path / "certs", "ops/api-gateway", "wallet/tron-payment", "chain/tron-node", "ops/other")
    socket = tmp_path / "payment-rpc.sock"
    server = PaymentRPCProcess(tmp_path, extra_env={"PAYMENT_RPC_GRPC_UNIX_SOCKET": str(socket)}).start()
    policy = tmp_path / "policy.acl"
    policy.write_text((ROOT / "acl" / "wallet_plane.acl").read_text() + """
rule "test_watch" {
  source_plane = "ops"
  source_service = "other"
  target_plane = "wallet"
  allowed_methods = ["/grpc.health.v1.Health/Watch"]
  action = "allow"
}
""")
    sidecar = Sidecar(tmp_path, certs, f"unix:{socket}", str(policy)).start()
    yield server, sidecar, policy
    sidecar.stop()
    server.stop()


def accepted_count(server):
    metrics = urllib.request.urlopen(f"http://127.0.0.1:{server.admin_port}/metrics").read().decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines() if line.startswith("tron_payment_requests_total{"))


def test_allowed_denied_unauthenticated_and_forged(stack):
    server, sidecar, _ = stack
    gateway = payment_pb2_grpc.PaymentServiceStub(sidecar.channel("ops-api-gateway"))
    created = gateway.CreatePayout(pb.CreatePayoutRequest(
        idempotency_key="sc-1", recipient_address=RECIPIENT, amount_units=5, reason="via sidecar"),
        metadata=[("x-lucid-source-plane", "forged"), ("x-lucid-source-service", "evil"), ("x-lucid-user-id", "u-7"),
                  ("x-request-id", "req-123")], timeout=5)
    assert created.payout.requested_by == "ops/api-gateway/user:u-7", "identity from the certificate, forgery overwritten"
    assert "request_id=req-123" in server.log_path.read_text(), "a valid x-request-id passes through"
    before = accepted_count(server)

    chain = payment_pb2_grpc.PaymentServiceStub(sidecar.channel("chain-tron-node"))
    with pytest.raises(grpc.RpcError) as denied:
        chain.CreatePayout(pb.CreatePayoutRequest(idempotency_key="sc-2", recipient_address=RECIPIENT, amount_units=5,
                                                  reason="x"), timeout=5)
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert 'rule "chain_to_wallet_denied"' in denied.value.details()
    other = payment_pb2_grpc.PaymentServiceStub(sidecar.channel("ops-other"))
    with pytest.raises(grpc.RpcError) as default_deny:
        other.GetPayout(pb.GetPayoutRequest(payout_id=created.payout.payout_id), timeout=5)
    assert default_deny.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "default deny" in default_deny.value.details()
    assert accepted_count(server) == before, "denied calls never reach payment-rpc"

    anonymous = payment_pb2_grpc.PaymentServiceStub(sidecar.channel(None))
    with pytest.raises(grpc.RpcError) as refused:
        anonymous.ListPayouts(pb.ListPayoutsRequest(), timeout=5)
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE, "no client certificate: the handshake fails"

    metrics = sidecar.metrics()
    assert 'sidecar_calls_total{rule="chain_to_wallet_denied",decision="deny"} 1' in metrics
    assert 'sidecar_calls_total{rule="gateway_to_payment",decision="allow"} 1' in metrics


def test_streaming_deadlines_and_errors_pass_through(stack):
    _, sidecar, _ = stack
    health = health_pb2_grpc.HealthStub(sidecar.channel("ops-other"))
    watch = health.Watch(health_pb2.HealthCheckRequest(), timeout=10)
    assert next(watch).status == health_pb2.HealthCheckResponse.SERVING
    watch.cancel()
    gateway = payment_pb2_grpc.PaymentServiceStub(sidecar.channel("ops-api-gateway"))
    with pytest.raises(grpc.RpcError) as invalid:
        gateway.CreatePayout(pb.CreatePayoutRequest(idempotency_key="", recipient_address=RECIPIENT, amount_units=5,
                                                    reason="x"), timeout=5)
    assert invalid.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert invalid.value.details().startswith("idempotency_key:")
    assert dict(invalid.value.trailing_metadata())["x-lucid-error-field"] == "idempotency_key", "trailers pass through"


def test_unhealthy_upstream_fails_fast_and_recovers(stack):
    server, sidecar, _ = stack
    gateway = payment_pb2_grpc.PaymentServiceStub(sidecar.channel("ops-api-gateway"))
    gateway.ListPayouts(pb.ListPayoutsRequest(), timeout=5)
    server.stop()
    deadline = time.time() + 5
    while time.time() < deadline and any(i["healthy"] for i in sidecar.registry()):
        time.sleep(0.1)
    assert not any(i["healthy"] for i in sidecar.registry()), "the registry shows the upstream unhealthy"
    started = time.time()
    with pytest.raises(grpc.RpcError) as unavailable:
        gateway.ListPayouts(pb.ListPayoutsRequest(), timeout=5)
    assert unavailable.value.code() == grpc.StatusCode.UNAVAILABLE
    assert "not healthy" in unavailable.value.details()
    assert time.time() - started < 1, "fail fast"
    server.start()
    deadline = time.time() + 5
    while time.time() < deadline:
        try:
            gateway.ListPayouts(pb.ListPayoutsRequest(), timeout=5)
            break
        except grpc.RpcError:
            time.sleep(0.1)
    assert gateway.ListPayouts(pb.ListPayoutsRequest(), timeout=5) is not None
    assert all(i["healthy"] for i in sidecar.registry())


def test_bad_policy_reload_keeps_the_last_good_one(stack):
    _, sidecar, policy = stack
    gateway = payment_pb2_grpc.PaymentServiceStub(sidecar.channel("ops-api-gateway"))
    good = policy.read_text()
    policy.write_text(good + '\nrule "broken" { colour = "red" }\n')
    time.sleep(2.5)
    gateway.ListPayouts(pb.ListPayoutsRequest(), timeout=5)
    assert "sidecar_policy_reload_failures_total 1" in sidecar.metrics()
    policy.write_text(good.replace('"/lucid.payment.v1.PaymentService/*", ', ""))
    time.sleep(2.5)
    with pytest.raises(grpc.RpcError) as denied:
        gateway.ListPayouts(pb.ListPayoutsRequest(), timeout=5)
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_registry_admin_api_lists_and_watches(stack):
    from support.paths import BETA_SIDECAR
    from support.processes import run
    from lucid.sidecar.v1 import registry_pb2, registry_pb2_grpc
    server, sidecar, _ = stack
    listed = run([BETA_SIDECAR, "registry", "list", "--admin-grpc",
                  f"127.0.0.1:{sidecar.admin_grpc_port}"], capture_output=True, text=True, timeout=10)
    assert listed.stdout.startswith("healthy   wallet/tron-payment"), listed.stdout + listed.stderr
    stub = registry_pb2_grpc.RegistryServiceStub(grpc.insecure_channel(f"127.0.0.1:{sidecar.admin_grpc_port}"))
    watch = stub.WatchInstances(registry_pb2.ListInstancesRequest(plane="wallet"), timeout=15)
    first = next(watch)
    assert [i.healthy for i in first.instances] == [True]
    server.stop()
    second = next(watch)
    assert [i.healthy for i in second.instances] == [False], "a health change is pushed to watchers"
    watch.cancel()
    server.start()
