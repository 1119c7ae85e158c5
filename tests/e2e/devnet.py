"""Starts the built tron-devnet binary for tests."""
import json
import os
import pathlib
import signal
import subprocess
import time
import urllib.request

from conftest_paths import BIN_DIR, free_port


class Devnet:
    def __init__(self, state_dir: pathlib.Path, fund=(), block_interval_ms=300, extra_args=()):
        self.state_dir = state_dir
        self.port = free_port()
        self.fund = list(fund)
        self.block_interval_ms = block_interval_ms
        self.extra_args = list(extra_args)
        self.process = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        args = [str(BIN_DIR / "tron-devnet"), "--listen", f"127.0.0.1:{self.port}",
                "--block-interval-ms", str(self.block_interval_ms), "--state-file", str(self.state_dir / "devnet.json"),
                "--log-level", "warning"] + self.extra_args
        for address, trx, usdt in self.fund:
            args += ["--fund", f"{address}:{trx}:{usdt}"]
        log = open(self.state_dir / "devnet.log", "ab")
        self.process = subprocess.Popen(args, stdout=log, stderr=log)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                self.call("wallet/getnodeinfo", {})
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("tron-devnet did not start")

    def call(self, path, body):
        request = urllib.request.Request(f"{self.url}/{path}", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def balance(self, address):
        return self.call("admin/balance", {"address": address})

    def produce(self, count=1):
        return self.call("admin/produce", {"count": count})

    def faults(self, **faults):
        return self.call("admin/faults", faults)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=20)
