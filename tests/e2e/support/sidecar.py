"""Starts beta-sidecar (with dev certificates) in front of a payment-rpc process."""
import json
import pathlib
import time
import urllib.error
import urllib.request

import grpc

from support.paths import BETA_SIDECAR
from support.ports import free_port
from support.processes import run, spawn, terminate


def make_certs(directory: pathlib.Path, *identities):
    args = [BETA_SIDECAR, "certs", "--dir", str(directory)]
    for identity in identities:
        args += ["--issue", identity]
    run(args, check=True, capture_output=True, timeout=30)
    return directory


class Sidecar:
    def __init__(self, directory: pathlib.Path, certs: pathlib.Path, upstream: str, policy: str,
                 probe_interval_ms=200, unhealthy_threshold=2):
        self.directory = directory
        self.certs = certs
        self.port = free_port()
        self.admin_port = free_port()
        self.admin_grpc_port = free_port()
        self.upstream = upstream
        self.policy = policy
        self.probe_interval_ms = probe_interval_ms
        self.unhealthy_threshold = unhealthy_threshold
        self.process = None
        self.extra = []

    def start(self, wait_healthy=True):
        args = [BETA_SIDECAR, "run", "--listen", f"127.0.0.1:{self.port}",
                "--admin-listen", f"127.0.0.1:{self.admin_port}", "--admin-grpc-listen", f"127.0.0.1:{self.admin_grpc_port}", "--upstream", self.upstream, "--policy", self.policy,
                "--cert", str(self.certs / "wallet-tron-payment.pem"), "--key", str(self.certs / "wallet-tron-payment.key"),
                "--ca", str(self.certs / "ca.pem"), "--probe-interval-ms", str(self.probe_interval_ms),
                "--unhealthy-threshold", str(self.unhealthy_threshold)] + self.extra
        self.process = spawn(args, self.directory / "sidecar.log")
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.admin_port}/ready", timeout=1):
                    return self
            except urllib.error.HTTPError:
                if not wait_healthy:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("beta-sidecar did not become ready")

    def channel(self, identity=None):
        root = (self.certs / "ca.pem").read_bytes()
        if identity:
            credentials = grpc.ssl_channel_credentials(
                root_certificates=root, private_key=(self.certs / f"{identity}.key").read_bytes(),
                certificate_chain=(self.certs / f"{identity}.pem").read_bytes())
        else:
            credentials = grpc.ssl_channel_credentials(root_certificates=root)
        return grpc.secure_channel(f"localhost:{self.port}", credentials)

    def registry(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.admin_port}/registry", timeout=2) as response:
            return json.loads(response.read())

    def metrics(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.admin_port}/metrics", timeout=2) as response:
            return response.read().decode()

    def stop(self):
        terminate(self.process)
