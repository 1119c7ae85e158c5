"""payment-rpc processes: a development server on TCP (PaymentRPCProcess), and a staging server on its Unix socket
(Staging: gRPC only on the socket, peers checked by uid, caller identity required)."""
import pathlib
import signal
import sqlite3
import subprocess
import time
import urllib.request

import grpc

from support.paths import PAYMENT_RPC
from support.ports import free_port
from support.processes import server_environment, spawn, terminate


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
        env = {
            "PAYMENT_RPC_GRPC_LISTEN": self.target,
            "PAYMENT_RPC_ADMIN_LISTEN": f"127.0.0.1:{self.admin_port}",
            "PAYMENT_RPC_STORE_SQLITE_PATH": str(self.state_dir / "payments.sqlite"),
            **self.extra_env,
        }
        # A None in extra_env leaves that variable out (PAYMENT_RPC_STORE_SQLITE_PATH on a PostgreSQL ledger).
        env = {name: value for name, value in env.items() if value is not None}
        self.process = spawn([PAYMENT_RPC], self.log_path, env)
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
        return terminate(self.process) if self.process else 0


def staging_env(directory, **extra):
    """The full environment of a staging payment-rpc over `directory` (socket in run/, ledger payments.sqlite)."""
    return server_environment({
        "PAYMENT_RPC_ENVIRONMENT": "staging",
        "PAYMENT_RPC_GRPC_UNIX_SOCKET": str(directory / "run" / "rpc.sock"),
        "PAYMENT_RPC_ADMIN_LISTEN": f"127.0.0.1:{free_port()}",
        "PAYMENT_RPC_STORE_SQLITE_PATH": str(directory / "payments.sqlite"),
        **extra,
    })


class Staging:
    """A staging payment-rpc, started and ready (admin /ready answers 200 and the socket exists) on construction."""

    def __init__(self, directory: pathlib.Path, **extra):
        (directory / "run").mkdir(exist_ok=True)
        self.directory = directory
        self.env = staging_env(directory, **extra)
        self.socket = pathlib.Path(self.env["PAYMENT_RPC_GRPC_UNIX_SOCKET"])
        self.admin = self.env["PAYMENT_RPC_ADMIN_LISTEN"]
        self.log_path = directory / "payment-rpc.log"
        self.process = subprocess.Popen([PAYMENT_RPC], env=self.env, stdout=open(self.log_path, "ab"),
                                        stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            assert self.process.poll() is None, self.log_path.read_text()[-2000:]
            try:
                with urllib.request.urlopen(f"http://{self.admin}/ready", timeout=1) as response:
                    if response.status == 200 and self.socket.exists():
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("payment-rpc did not become ready in 30 s")

    def channel(self):
        return grpc.insecure_channel(f"unix:{self.socket}")

    def payouts_in_ledger(self):
        with sqlite3.connect(self.directory / "payments.sqlite") as db:
            return db.execute("SELECT COUNT(*) FROM payouts").fetchone()[0]

    def metrics(self):
        with urllib.request.urlopen(f"http://{self.admin}/metrics", timeout=2) as response:
            return response.read().decode()

    def stop(self):
        terminate(self.process)
