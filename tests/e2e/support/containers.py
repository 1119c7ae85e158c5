"""The compose stack (deploy/compose) under test: podman and podman-compose with the repository's containers.conf,
one project per test module (its own networks, volumes and containers, removed afterwards), and probes that run
this host's Python inside a container's network namespace (nsenter), so a test sees exactly what that container can
reach, with no client inside the images (they have no shell).

Used only by tests that the LUCID_IMAGE_TAG variable enables (scripts/test.sh builds the images and sets it).
"""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

from support.paths import GEN_DIR, ROOT
from support.ports import free_port

COMPOSE_FILE = ROOT / "deploy" / "compose" / "compose.yaml"
MAKE_SECRETS = ROOT / "deploy" / "compose" / "make-secrets.sh"
CONTAINERS_CONF = ROOT / "deploy" / "podman" / "containers.conf"
PROBE = pathlib.Path(__file__).with_name("netns_probe.py")
IMAGE_TAG = os.environ.get("LUCID_IMAGE_TAG", "")
SERVICES = ("tron-devnet", "egress-proxy", "payment-rpc", "beta-sidecar", "payment-gateway")
NETWORKS = ("edge", "ops", "wallet", "egress", "chain")


def environment(extra=None) -> dict:
    env = dict(os.environ)
    env.setdefault("CONTAINERS_CONF", str(CONTAINERS_CONF))
    env.update(extra or {})
    return env


def podman(*args, check=True, timeout=120, env=None) -> subprocess.CompletedProcess:
    result = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout,
                            env=environment(env))
    if check and result.returncode != 0:
        raise RuntimeError(f"podman {' '.join(args)} exited {result.returncode}: {result.stderr.strip()[-2000:]}")
    return result


def json_request(method, url, body=None, token=None, timeout=15):
    """One JSON request (with a bearer token when given); (HTTP status, decoded body), error statuses included."""
    request = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


class ComposeStack:
    """deploy/compose/compose.yaml as project `name`, with fresh secrets in `directory` and free loopback ports."""

    def __init__(self, directory: pathlib.Path, name: str):
        self.directory = directory
        self.name = name
        self.secrets = directory / "secrets"
        self.gateway_port = free_port()
        self.devnet_port = free_port()
        # The egress network's subnet and the proxy's address on it (the proxy listens there only), per run.
        self.egress_prefix = f"10.231.{20 + os.getpid() % 200}"
        self.startup_seconds = None
        self.hot_address = None
        self._env = None

    def compose(self, *args, timeout=300, check=True):
        command = [shutil.which("podman-compose") or "podman-compose", "--in-pod=false", "-p", self.name,
                   "-f", str(COMPOSE_FILE), *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=self._env,
                                cwd=COMPOSE_FILE.parent)
        if check and result.returncode != 0:
            raise RuntimeError(f"podman-compose {' '.join(args)} exited {result.returncode}:\n"
                               f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        return result

    def up(self):
        made = subprocess.run(["bash", str(MAKE_SECRETS), str(self.secrets), "--tag", IMAGE_TAG],
                              capture_output=True, text=True, timeout=120, env=environment())
        if made.returncode != 0:
            raise RuntimeError(f"make-secrets.sh failed: {made.stderr}")
        fund = (self.secrets / "devnet.env").read_text().strip().split("=", 1)[1]
        self.hot_address = fund.split(":")[0]
        self._env = environment({
            "LUCID_TAG": IMAGE_TAG, "LUCID_SECRETS_DIR": str(self.secrets), "LUCID_DEVNET_FUND": fund,
            "LUCID_GATEWAY_PORT": str(self.gateway_port), "LUCID_DEVNET_PORT": str(self.devnet_port),
            "LUCID_EGRESS_SUBNET": f"{self.egress_prefix}.0/24", "LUCID_EGRESS_PROXY_IP": f"{self.egress_prefix}.10"})
        started = time.monotonic()
        self.compose("up", "-d")
        deadline = time.monotonic() + 120
        while not self.gateway_ready():
            if time.monotonic() > deadline:
                raise RuntimeError("the gateway did not become ready in 120 s:\n" + self.logs())
            time.sleep(0.6)  # the health endpoint allows 120 requests a minute per client
        self.startup_seconds = time.monotonic() - started
        return self

    def down(self):
        if self._env is not None:
            self.compose("down", "-v", "-t", "5", check=False)
        # Whatever podman-compose left (a probe container, a network) goes too: only what this project made.
        for container in podman("ps", "-aq", "--filter", f"label=lucid.e2e.project={self.name}", check=False
                                ).stdout.split():
            podman("rm", "-f", container, check=False)
        for network in NETWORKS:
            podman("network", "rm", "-f", f"{self.name}_{network}", check=False)

    def logs(self) -> str:
        return "\n".join(f"--- {service}\n" + podman("logs", "--tail", "40", self.container(service), check=False
                                                     ).stderr[-4000:] for service in SERVICES)

    # --- looking at it from outside
    def container(self, service) -> str:
        names = podman("ps", "-a", "--filter", f"label=com.docker.compose.project={self.name}", "--filter",
                       f"label=com.docker.compose.service={service}", "--format", "{{.Names}}").stdout.split()
        if len(names) != 1:
            raise RuntimeError(f"expected one container of {service} in {self.name}, found {names}")
        return names[0]

    def inspect(self, service) -> dict:
        return json.loads(podman("inspect", self.container(service)).stdout)[0]

    def networks_of(self, service) -> dict:
        """{plane network name: IP address} of a service's container."""
        found = self.inspect(service)["NetworkSettings"]["Networks"]
        return {name.removeprefix(f"{self.name}_"): settings["IPAddress"] for name, settings in found.items()}

    def pid(self, service) -> int:
        return int(self.inspect(service)["State"]["Pid"])

    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    def gateway_ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.gateway_url()}/api/payment/health", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def rest(self, method, path, token=None, body=None):
        return json_request(method, f"{self.gateway_url()}{path}", body, token)

    def devnet(self, path, body):
        request = urllib.request.Request(f"http://127.0.0.1:{self.devnet_port}/{path}", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def token(self, subject, role) -> str:
        """A gateway token signed with the stack's secret, by the gateway image's own `token` command."""
        return podman("run", "--rm", "--network", "none", "--read-only", "--user", "65532:65532",
                      "-v", f"{self.secrets}:/secrets:ro", "--entrypoint", "/usr/local/bin/payment-gateway",
                      f"lucid/payment-gateway:{IMAGE_TAG}", "token", "--jwt-secret-file", "/secrets/jwt.secret",
                      "--subject", subject, "--role", role).stdout.strip()

    # --- looking at it from inside a network
    def probe_container(self, *networks) -> int:
        """A container on the project's `networks` doing nothing (tron-devnet on loopback, no blocks); its PID."""
        name = f"{self.name}-probe-{'-'.join(networks)}"
        existing = podman("ps", "-q", "--filter", f"name=^{name}$", check=False).stdout.strip()
        if not existing:
            podman("run", "-d", "--name", name, "--label", f"lucid.e2e.project={self.name}",
                   *[arg for network in networks for arg in ("--network", f"{self.name}_{network}")],
                   "--read-only", "--cap-drop", "ALL", f"lucid/tron-devnet:{IMAGE_TAG}",
                   "--listen", "127.0.0.1:18999", "--block-interval-ms", "0")
        return int(json.loads(podman("inspect", name).stdout)[0]["State"]["Pid"])

    def from_inside(self, pid, *probe_args, timeout=60) -> dict:
        """Runs support/netns_probe.py in the network namespace of process `pid`; its JSON answer."""
        result = subprocess.run(["nsenter", f"--net=/proc/{pid}/ns/net", sys.executable, str(PROBE), str(GEN_DIR),
                                 *map(str, probe_args)], capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"netns probe {probe_args} failed: {result.stderr[-2000:]}")
        return json.loads(result.stdout)
