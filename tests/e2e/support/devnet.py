"""Starts the built tron-devnet binary for tests."""
import json
import pathlib
import time
import urllib.request

from support.paths import TRON_DEVNET
from support.ports import free_port
from support.processes import spawn, terminate


def _call(url, path, body):
    request = urllib.request.Request(f"{url}/{path}", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


class DevnetView:
    """A `--view-listen` listener: the same chain seen through its own fault profile."""

    def __init__(self, port):
        self.port = port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def call(self, path, body):
        return _call(self.url, path, body)

    def faults(self, **faults):
        """Replaces this listener's fault profile (keys left out take their defaults)."""
        return self.call("admin/faults", faults)

    def honest(self):
        return self.faults(lookup_mode="honest")  # an empty body would only read the profile

    def lagging(self, lag_blocks, lag_solidity=True, **faults):
        return self.faults(lookup_mode="lagging", lag_blocks=lag_blocks, lag_solidity=lag_solidity, **faults)

    def lying(self, clock_offset_ms=600_000, **faults):
        return self.faults(lookup_mode="lying", clock_offset_ms=clock_offset_ms, **faults)


class Devnet:
    def __init__(self, state_dir: pathlib.Path, fund=(), block_interval_ms=300, extra_args=(), views=0):
        self.state_dir = state_dir
        self.port = free_port()
        self.fund = list(fund)
        self.block_interval_ms = block_interval_ms
        self.extra_args = list(extra_args)
        self.views = [DevnetView(free_port()) for _ in range(views)]
        self.process = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        args = [TRON_DEVNET, "--listen", f"127.0.0.1:{self.port}",
                "--block-interval-ms", str(self.block_interval_ms), "--state-file", str(self.state_dir / "devnet.json"),
                "--log-level", "warning"] + self.extra_args
        for view in self.views:
            args += ["--view-listen", f"127.0.0.1:{view.port}"]
        for address, trx, usdt in self.fund:
            args += ["--fund", f"{address}:{trx}:{usdt}"]
        self.process = spawn(args, self.state_dir / "devnet.log")
        deadline = time.time() + 20
        pending = [self.url] + [view.url for view in self.views]
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"tron-devnet exited with {self.process.returncode}")
            try:
                _call(pending[0], "wallet/getnodeinfo", {})
                pending.pop(0)
                if not pending:
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("tron-devnet did not start")

    def call(self, path, body):
        return _call(self.url, path, body)

    def balance(self, address):
        return self.call("admin/balance", {"address": address})

    def produce(self, count=1):
        return self.call("admin/produce", {"count": count})

    def faults(self, **faults):
        return self.call("admin/faults", faults)

    def transfers(self, to=None):
        """Every successful USDT transfer on the chain, in block order: [{txid, block, from, to, amount_units}]."""
        return self.call("admin/transfers", {"to": to} if to else {})["transfers"]

    def stop(self):
        terminate(self.process)
