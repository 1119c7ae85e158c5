"""etcd registry: a sidecar registers its service in a real etcd (Debian's etcd-server) with a leased key kept
alive; after kill -9 of the sidecar the entry is gone within the lease TTL. `beta-sidecar registry list` shows it."""
import shutil
import subprocess
import time

from support.paths import BETA_SIDECAR, ROOT
from support.payment_rpc import PaymentRPCProcess
from support.ports import free_port
from support.processes import run
from support.sidecar import Sidecar, make_certs

LEASE_TTL = 3


def start_etcd(directory):
    port, peer = free_port(), free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen([shutil.which("etcd") or "/usr/bin/etcd", "--data-dir", str(directory / "etcd"),
                                "--listen-client-urls", url, "--advertise-client-urls", url,
                                "--listen-peer-urls", f"http://127.0.0.1:{peer}",
                                "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer}",
                                "--initial-cluster", f"default=http://127.0.0.1:{peer}"],
                               stdout=open(directory / "etcd.log", "ab"), stderr=subprocess.STDOUT)
    return process, url


def listed(url):
    result = run([BETA_SIDECAR, "registry", "list", "--etcd-url", url],
                 capture_output=True, text=True, timeout=10)
    return result.stdout


def test_registration_disappears_within_the_lease_ttl_after_kill9(tmp_path):
    etcd, url = start_etcd(tmp_path)
    server = PaymentRPCProcess(tmp_path).start()
    certs = make_certs(tmp_path / "certs", "wallet/tron-payment")
    sidecar = Sidecar(tmp_path, certs, server.target, str(ROOT / "acl" / "wallet_plane.acl"))
    sidecar.extra = ["--registry", "etcd", "--etcd-url", url, "--lease-ttl", str(LEASE_TTL)]
    try:
        deadline = time.time() + 15
        while time.time() < deadline:  # etcd may take a moment to serve
            if subprocess.run(["curl", "-sf", "-X", "POST", f"{url}/v3/kv/range", "-d", '{"key":"AA=="}'],
                              capture_output=True).returncode == 0:
                break
            time.sleep(0.2)
        sidecar.start()
        deadline = time.time() + 10
        while time.time() < deadline and "healthy   wallet/tron-payment" not in listed(url):
            time.sleep(0.2)
        assert "healthy   wallet/tron-payment" in listed(url)
        time.sleep(LEASE_TTL + 1)
        assert "wallet/tron-payment" in listed(url), "the lease is kept alive"
        sidecar.process.kill()
        sidecar.process.wait()
        killed = time.time()
        while time.time() - killed < LEASE_TTL + 2 and "wallet/tron-payment" in listed(url):
            time.sleep(0.2)
        assert "wallet/tron-payment" not in listed(url)
        assert time.time() - killed <= LEASE_TTL + 1.5, f"gone after {time.time() - killed:.1f}s"
    finally:
        sidecar.stop()
        server.stop()
        etcd.terminate()
        etcd.wait()
