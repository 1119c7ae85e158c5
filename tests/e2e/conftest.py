"""Starts the built payment-rpc binary for end-to-end tests and talks to it with grpcio (an independent client)."""
import os
import pathlib
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(pathlib.Path(__file__).parent / "gen"))

BINARY = os.environ.get("PAYMENT_RPC_BIN", str(ROOT / ".build" / "debug" / "payment-rpc"))
SECRET_OUTPUT = []  # secrets that must never appear in any captured output (checked at session end)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PaymentRPCProcess:
    """One payment-rpc process over a state directory that survives restarts."""

    def __init__(self, state_dir: pathlib.Path, extra_env=None):
        self.state_dir = state_dir
        self.grpc_port = free_port()
        self.admin_port = free_port()
        self.extra_env = extra_env or {}
        self.process = None
        self.log_path = state_dir / "payment-rpc.log"

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    def start(self):
        env = dict(os.environ)
        env.update({
            "PAYMENT_RPC_GRPC_LISTEN": self.target,
            "PAYMENT_RPC_ADMIN_LISTEN": f"127.0.0.1:{self.admin_port}",
            "PAYMENT_RPC_STORE_SQLITE_PATH": str(self.state_dir / "payments.sqlite"),
        })
        env.update(self.extra_env)
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen([BINARY], env=env, stdout=log, stderr=log)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"payment-rpc exited with {self.process.returncode}: {self.log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.admin_port}/ready", timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("payment-rpc did not become ready in 30 s")

    def kill9(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> int:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            return self.process.wait(timeout=20)
        return self.process.returncode if self.process else 0


@pytest.fixture
def state_dir():
    with tempfile.TemporaryDirectory(prefix="payment-rpc-e2e-") as directory:
        yield pathlib.Path(directory)


@pytest.fixture
def server(state_dir):
    process = PaymentRPCProcess(state_dir).start()
    yield process
    process.stop()
