"""beta-sidecar's relay under a slow reader: the sidecar stops reading one side while the other cannot take more,
so a caller that does not read (or an upstream that does not read) leaves the bytes in HTTP/2 flow control instead
of in the sidecar's memory. The upstream is a small grpcio server that can send (or take) far more than any
window, so without backpressure the sidecar's RSS would grow by about the whole stream."""
import concurrent.futures
import threading
import time

import grpc
import pytest
from grpc_health.v1 import health, health_pb2_grpc

from support.paths import ROOT
from support.ports import free_port
from support.sidecar import Sidecar, make_certs

CHUNK = 64 * 1024
CHUNKS = 3072  # 192 MiB each way
GROWTH_LIMIT = 48 * 1024 * 1024


class Flood:
    """The upstream: /test.Flood/Down sends CHUNKS chunks; /test.Flood/Up waits for `release`, then counts bytes.
    (grpcio itself buffers some megabytes on each side, so what is measured is the sidecar's RSS, not what the
    peers managed to send.)"""

    def __init__(self):
        self.release = threading.Event()

    def down(self, request, context):
        payload = b"d" * CHUNK
        for _ in range(CHUNKS):
            yield payload

    def up(self, requests, context):
        self.release.wait(60)
        return str(sum(len(chunk) for chunk in requests)).encode()


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


@pytest.fixture
def relay(tmp_path):
    flood = Flood()
    server = grpc.server(concurrent.futures.ThreadPoolExecutor(max_workers=8))
    handlers = grpc.method_handlers_generic_handler("test.Flood", {
        "Down": grpc.unary_stream_rpc_method_handler(flood.down),
        "Up": grpc.stream_unary_rpc_method_handler(flood.up),
    })
    server.add_generic_rpc_handlers((handlers,))
    health_pb2_grpc.add_HealthServicer_to_server(health.HealthServicer(), server)
    port = free_port()
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    certs = make_certs(tmp_path / "certs", "wallet/tron-payment", "ops/other")
    policy = tmp_path / "policy.acl"
    policy.write_text((ROOT / "acl" / "wallet_plane.acl").read_text() + """
rule "test_flood" {
  source_plane = "ops"
  source_service = "other"
  target_plane = "wallet"
  allowed_methods = ["/test.Flood/*"]
  action = "allow"
}
""")
    sidecar = Sidecar(tmp_path, certs, f"127.0.0.1:{port}", str(policy)).start()
    yield flood, sidecar
    flood.release.set()
    sidecar.stop()
    server.stop(0)


def test_a_caller_that_does_not_read_does_not_grow_the_sidecar(relay):
    flood, sidecar = relay
    channel = sidecar.channel("ops-other")
    down = channel.unary_stream("/test.Flood/Down")
    # Warm up: one whole stream read at full speed, so the baseline includes the allocator's steady state.
    assert sum(len(chunk) for chunk in down(b"", timeout=60)) == CHUNK * CHUNKS
    baseline = rss_bytes(sidecar.process.pid)
    stream = down(b"", timeout=120)
    assert len(next(stream)) == CHUNK
    time.sleep(4)  # the caller reads nothing: the sidecar must stop reading the upstream
    grown = rss_bytes(sidecar.process.pid) - baseline
    assert grown < GROWTH_LIMIT, f"the sidecar grew by {grown} bytes holding a slow reader's stream"
    rest = sum(len(chunk) for chunk in stream)
    assert rest == CHUNK * (CHUNKS - 1), "every byte arrives once the caller reads again"


def test_an_upstream_that_does_not_read_does_not_grow_the_sidecar(relay):
    flood, sidecar = relay
    channel = sidecar.channel("ops-other")
    up = channel.stream_unary("/test.Flood/Up")
    def chunks():
        payload = b"u" * CHUNK
        for _ in range(CHUNKS):
            yield payload

    baseline = rss_bytes(sidecar.process.pid)
    future = up.future(chunks(), timeout=120)
    time.sleep(4)  # the upstream reads nothing: the sidecar must stop reading the caller
    grown = rss_bytes(sidecar.process.pid) - baseline
    assert grown < GROWTH_LIMIT, f"the sidecar grew by {grown} bytes holding a slow upstream's stream"
    flood.release.set()
    assert future.result() == str(CHUNK * CHUNKS).encode()
