"""`healthcheck`, the container health check of payment-rpc, beta-sidecar and payment-gateway (their images have no
curl): exit 0 when the admin port answers 200 on /ready (or /live with --probe live), 1 when it does not or nothing
listens, 2 for a bad address. payment-rpc's /ready is 503 while its breaker is open, so `--probe live` is the one a
liveness probe uses."""
import grpc

from lucid.payment.v1 import admin_pb2, admin_pb2_grpc
from support.fullstack import full_stack
from support.paths import BETA_SIDECAR, PAYMENT_GATEWAY, PAYMENT_RPC
from support.ports import free_port
from support.processes import run


def healthcheck(binary, *args):
    return run([binary, "healthcheck", *args], capture_output=True, text=True, timeout=30).returncode


def test_healthcheck_of_each_program_follows_its_admin_port(tmp_path):
    _, devnet, server, sidecar, gateway = full_stack(tmp_path)
    try:
        programs = [
            (PAYMENT_RPC, f"127.0.0.1:{server.admin_port}"), (BETA_SIDECAR, f"127.0.0.1:{sidecar.admin_port}"),
            (PAYMENT_GATEWAY, f"127.0.0.1:{gateway.admin_port}")]
        closed = f"127.0.0.1:{free_port()}"
        for binary, admin in programs:
            assert healthcheck(binary, "--admin", admin) == 0, binary
            assert healthcheck(binary, "--admin", admin, "--probe", "live") == 0, binary
            assert healthcheck(binary, "--admin", closed) == 1, binary
            assert healthcheck(binary, "--admin", "no-port") != 0, binary
            assert healthcheck(binary, "--admin", admin, "--probe", "sideways") != 0, binary

        channel = grpc.insecure_channel(server.target)
        admin = admin_pb2_grpc.AdminServiceStub(channel)
        admin.TripBreaker(admin_pb2.TripBreakerRequest(reason="healthcheck e2e"))
        rpc_admin = f"127.0.0.1:{server.admin_port}"
        assert healthcheck(PAYMENT_RPC, "--admin", rpc_admin) == 1, "/ready is 503 while the breaker is open"
        assert healthcheck(PAYMENT_RPC, "--admin", rpc_admin, "--probe", "live") == 0
        admin.ResetBreaker(admin_pb2.ResetBreakerRequest(reason="healthcheck e2e done"))
        assert healthcheck(PAYMENT_RPC, "--admin", rpc_admin) == 0
        channel.close()
    finally:
        for process in (gateway, sidecar, server, devnet):
            process.stop()
