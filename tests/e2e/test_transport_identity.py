"""payment-rpc in staging: gRPC only on its Unix socket (mode 0660), peers checked by uid, identity required.
Each test is an attack that must fail with the exact status, creating nothing."""
import os
import stat
import subprocess

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from lucid.payment.v1 import admin_pb2, admin_pb2_grpc, payment_pb2 as pb, payment_pb2_grpc
from support.paths import PAYMENT_RPC
from support.payment_rpc import Staging, staging_env
from support.ports import free_port

CALLER = [("x-lucid-source-plane", "ops"), ("x-lucid-source-service", "api-gateway")]
RECIPIENT = "TE2vQGQiihnDQ2qSi4guvFs2QXw3W3Nxrp"


@pytest.fixture
def directory(tmp_path):
    return tmp_path


def create(stub, key, metadata=None):
    return stub.CreatePayout(pb.CreatePayoutRequest(idempotency_key=key, recipient_address=RECIPIENT,
                                                    amount_units=1_000_000, reason="attack"),
                             metadata=metadata, timeout=10)


def test_staging_serves_the_socket_0660_and_refuses_calls_without_identity(directory):
    server = Staging(directory)
    try:
        assert stat.S_IMODE(server.socket.stat().st_mode) == 0o660
        assert stat.S_ISSOCK(server.socket.stat().st_mode)
        log = server.log_path.read_text()
        assert "gRPC only on the Unix socket" in log and "tcp 127.0.0.1" not in log
        with server.channel() as channel:
            payments = payment_pb2_grpc.PaymentServiceStub(channel)
            for call in (lambda: create(payments, "anon-1"),
                         lambda: payments.ListPayouts(pb.ListPayoutsRequest(), timeout=10),
                         lambda: admin_pb2_grpc.AdminServiceStub(channel).TripBreaker(
                             admin_pb2.TripBreakerRequest(reason="attack"), timeout=10)):
                with pytest.raises(grpc.RpcError) as refused:
                    call()
                assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED, refused.value.details()
                assert "x-lucid-source-plane" in refused.value.details()
            with pytest.raises(grpc.RpcError) as forged:
                create(payments, "forged-1", CALLER + [("x-lucid-user-id", "not a token")])
            assert forged.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert forged.value.details().startswith("x-lucid-user-id: ")
            with pytest.raises(grpc.RpcError) as admin:
                admin_pb2_grpc.AdminServiceStub(channel).TripBreaker(
                    admin_pb2.TripBreakerRequest(reason="attack"), metadata=CALLER, timeout=10)
            assert admin.value.code() == grpc.StatusCode.PERMISSION_DENIED
            assert "ops/api-gateway" in admin.value.details()
            assert server.payouts_in_ledger() == 0
            health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
            assert health.status == health_pb2.HealthCheckResponse.SERVING
            created = create(payments, "with-identity", CALLER)
            assert created.payout.requested_by == "ops/api-gateway"
        assert server.payouts_in_ledger() == 1
    finally:
        server.stop()


def test_a_peer_whose_uid_is_not_allowed_is_disconnected(directory):
    other = os.getuid() + 1
    server = Staging(directory, PAYMENT_RPC_GRPC_ALLOWED_PEER_UIDS=str(other))
    try:
        with server.channel() as channel:
            payments = payment_pb2_grpc.PaymentServiceStub(channel)
            with pytest.raises(grpc.RpcError) as refused:
                create(payments, "uid-1", CALLER)
            assert refused.value.code() == grpc.StatusCode.UNAVAILABLE, refused.value.details()
            with pytest.raises(grpc.RpcError) as health:
                health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
            assert health.value.code() == grpc.StatusCode.UNAVAILABLE
        assert server.payouts_in_ledger() == 0
        log = server.log_path.read_text()
        assert "refused a gRPC connection on the Unix socket" in log and f"peer_uid={os.getuid()}" in log
        assert "payment_rpc_peer_connections_refused_total" in server.metrics()
    finally:
        server.stop()


@pytest.mark.parametrize("how", ["environment", "file"])
def test_tcp_listen_in_staging_stops_startup_naming_the_key(directory, how):
    (directory / "run").mkdir()
    env = staging_env(directory)
    args = [PAYMENT_RPC]
    if how == "environment":
        env["PAYMENT_RPC_GRPC_LISTEN"] = f"127.0.0.1:{free_port()}"
    else:
        config = directory / "staging.yaml"
        config.write_text(f"environment: staging\ngrpc:\n  listen: 127.0.0.1:{free_port()}\n")
        args += ["--config", str(config)]
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert "grpc.listen" in result.stderr and "must not be set when environment is staging" in result.stderr
    assert not (directory / "payments.sqlite").exists()


def test_staging_needs_an_existing_socket_directory(directory):
    env = staging_env(directory)
    result = subprocess.run([PAYMENT_RPC], env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert "grpc.unix_socket" in result.stderr and "must exist" in result.stderr
