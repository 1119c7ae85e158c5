"""The deployed form (issue 10): the images from deploy/build-images.sh, run as deploy/compose/compose.yaml with
podman-compose, on networks and volumes this module creates and removes.

- A REST payout through the gateway container is CONFIRMED on the devnet container, paid once.
- Isolation, seen from inside containers (this host's Python in their network namespace, since the images have no
  shell): a container on `ops` reaches the sidecar's mTLS port and nothing of payment-rpc, the proxy or the devnet;
  payment-rpc reaches the proxy and neither the devnet nor anything outside; the chain-plane identity is refused by
  the sidecar (PERMISSION_DENIED) where the gateway's identity is served.
- The proxy is the wallet plane's only way to the node: with it stopped, payouts wait (none FAILED, nothing paid, the
  node client counts the node unreachable); started again, they confirm, each recipient paid once.
- Hardening as declared: read-only roots, no capabilities, no-new-privileges, uid 65532, no port published by the
  wallet plane, the hot-wallet key a 0400 file of 65532, images without a shell, health checks that pass.

Runs only when LUCID_IMAGE_TAG names built images (scripts/test.sh builds them and sets it); needs root (nsenter).
"""
import collections
import json
import os
import pathlib
import re
import time

import pytest

from support.containers import IMAGE_TAG, SERVICES, ComposeStack, podman
from support.paths import ROOT
from support.payouts import recipients

pytestmark = pytest.mark.skipif(not IMAGE_TAG, reason="LUCID_IMAGE_TAG is not set: no images were built "
                                "(scripts/test.sh builds them with deploy/build-images.sh)")

OUTAGE_S = 10
FINAL = ("PAYOUT_STATUS_CONFIRMED", "PAYOUT_STATUS_FAILED", "PAYOUT_STATUS_CANCELLED")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.skip("the compose test needs root: it enters containers' network namespaces with nsenter")
    compose = ComposeStack(tmp_path_factory.mktemp("compose"), f"lucid-e2e-{os.getpid()}")
    try:
        compose.up()
        print(f"compose stack ready in {compose.startup_seconds:.1f} s (up -d to the gateway's health 200)")
        yield compose
    finally:
        compose.down()


@pytest.fixture
def operator(stack, request):
    """A node operator's token of its own per test, so the gateway's per-caller rate limits start fresh."""
    return stack.token(f"op-{request.node.name[5:40]}", "node_operator")


def create(stack, token, tag, addresses, base_units=1_500_000):
    created = {}
    for n, recipient in enumerate(addresses):
        amount = base_units + n
        status, body = stack.rest("POST", "/api/payment/payouts", token, {
            "idempotencyKey": f"{tag}-{n}", "recipientAddress": recipient, "amountUnits": str(amount),
            "reason": "compose e2e"})
        assert status == 200, body
        created[body["payout"]["payoutId"]] = (recipient, amount)
    return created


def statuses(stack, token, payouts):
    """The payouts' current records, from one ListPayouts call (the gateway limits each caller's GetPayout calls)."""
    status, body = stack.rest("GET", "/api/payment/payouts?pageSize=100", token)
    assert status == 200, body
    found = {p["payoutId"]: p for p in body.get("payouts", []) if p["payoutId"] in payouts}
    assert set(found) == set(payouts), (sorted(found), sorted(payouts))
    return found


def wait_final(stack, token, payouts, timeout=120):
    deadline = time.time() + timeout
    while True:
        found = statuses(stack, token, payouts)
        if all(p["status"] in FINAL for p in found.values()) or time.time() > deadline:
            return found
        time.sleep(2.5)  # ListPayouts allows 30 calls a minute per caller


def paid(stack, payouts):
    by = collections.defaultdict(list)
    for transfer in stack.devnet("admin/transfers", {})["transfers"]:
        by[transfer["to"]].append(transfer["amount_units"])
    return {recipient: by[recipient] for recipient, _ in payouts.values()}


def assert_confirmed_and_paid_once(stack, token, payouts):
    found = wait_final(stack, token, payouts)
    assert collections.Counter(p["status"] for p in found.values()) == {"PAYOUT_STATUS_CONFIRMED": len(payouts)}, (
        [(p["status"], p.get("failureReason")) for p in found.values()], stack.logs())
    received = paid(stack, payouts)
    for recipient, amount in payouts.values():
        assert received[recipient] == [amount], (recipient, received[recipient])


def rpc_metric(stack, name, **labels):
    """The sum of a payment-rpc metric's samples that carry `labels`, read from its admin port inside its own network
    namespace (the wallet plane publishes no port)."""
    answer = stack.from_inside(stack.pid("payment-rpc"), "http", "127.0.0.1", 9090, "/metrics")
    assert answer.get("status") == 200, answer
    total = 0.0
    for line in answer["body"].splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            if all(f'{key}="{value}"' in line for key, value in labels.items()):
                total += float(line.rsplit(" ", 1)[1])
    return total


def test_a_rest_payout_through_the_gateway_container_is_confirmed_on_the_devnet(stack, operator):
    payouts = create(stack, operator, "first", recipients("compose", "first", 2))
    assert_confirmed_and_paid_once(stack, operator, payouts)
    for payout in statuses(stack, operator, payouts).values():
        assert payout["router"] == "ROUTER_TYPE_V0" and payout["requestedBy"].startswith("ops/api-gateway/user:op-")


def test_the_networks_are_the_planes(stack):
    networks = {service: set(stack.networks_of(service)) for service in SERVICES}
    assert networks == {"tron-devnet": {"chain"}, "egress-proxy": {"egress", "chain"},
                        "payment-rpc": {"wallet", "egress"}, "beta-sidecar": {"ops", "wallet"},
                        "payment-gateway": {"edge", "ops"}}
    for plane, internal in {"edge": False, "ops": True, "wallet": True, "egress": True, "chain": False}.items():
        found = json.loads(podman("network", "inspect", f"{stack.name}_{plane}").stdout)[0]
        assert found["internal"] is internal, (plane, found)


def test_a_container_on_ops_reaches_the_sidecar_and_nothing_behind_it(stack):
    probe = stack.probe_container("ops")
    sidecar = stack.networks_of("beta-sidecar")["ops"]
    assert stack.from_inside(probe, "connect", sidecar, 50443)["connected"], "the ops plane must reach the sidecar"
    # Of the sidecar the gateway plane reaches the mTLS port only (its admin port listens on loopback); payment-rpc,
    # the proxy and the devnet are not reachable at any of their addresses.
    targets = [(ip, port) for ip in stack.networks_of("payment-rpc").values() for port in (9090,)]
    targets += [(stack.networks_of("beta-sidecar")["ops"], 9443)]  # the sidecar's admin port is loopback only
    targets += [(ip, 9050) for ip in stack.networks_of("egress-proxy").values()]
    targets += [(ip, 8090) for ip in stack.networks_of("tron-devnet").values()]
    for host, port in targets:
        answer = stack.from_inside(probe, "connect", host, port)
        assert not answer["connected"], f"a container on ops connected to {host}:{port}"
    # No route out: ops is internal.
    assert not stack.from_inside(probe, "connect", "1.1.1.1", 443)["connected"]


def test_neither_the_gateway_nor_the_devnet_reaches_across_the_planes(stack):
    """The gateway itself is on edge too (a route out), and the devnet on chain with the proxy: neither may route into
    another plane (the networks are isolated from each other), and the proxy listens on its egress address only, so
    the chain plane cannot use it to reach payment-rpc."""
    gateway, devnet = stack.pid("payment-gateway"), stack.pid("tron-devnet")
    wallet_side = [(ip, 9090) for ip in stack.networks_of("payment-rpc").values()]
    wallet_side += [(ip, 9443) for ip in stack.networks_of("beta-sidecar").values()]
    for host, port in wallet_side + [(ip, 8090) for ip in stack.networks_of("tron-devnet").values()] + [
            (ip, 9050) for ip in stack.networks_of("egress-proxy").values()]:
        assert not stack.from_inside(gateway, "connect", host, port)["connected"], f"the gateway reached {host}:{port}"
    for host, port in wallet_side + [(ip, 9050) for ip in stack.networks_of("egress-proxy").values()] + [
            (ip, 50443) for ip in stack.networks_of("beta-sidecar").values()]:
        assert not stack.from_inside(devnet, "connect", host, port)["connected"], f"the devnet reached {host}:{port}"
    # Control: the gateway does reach its sidecar, and the proxy (its own namespace) the devnet.
    assert stack.from_inside(gateway, "connect", stack.networks_of("beta-sidecar")["ops"], 50443)["connected"]
    assert stack.from_inside(stack.pid("egress-proxy"), "connect", stack.networks_of("tron-devnet")["chain"],
                             8090)["connected"]


def test_the_chain_plane_identity_is_refused_by_the_sidecar(stack):
    probe = stack.probe_container("ops")
    sidecar = stack.networks_of("beta-sidecar")["ops"]
    refused = stack.from_inside(probe, "grpc", sidecar, 50443, "beta-sidecar", stack.secrets, "chain-tron-node")
    assert refused["code"] == "PERMISSION_DENIED", refused
    served = stack.from_inside(probe, "grpc", sidecar, 50443, "beta-sidecar", stack.secrets, "ops-api-gateway")
    assert served["code"] == "OK", served


def test_payment_rpc_reaches_the_proxy_and_nothing_else(stack):
    rpc = stack.pid("payment-rpc")
    proxy_ip = stack.networks_of("egress-proxy")["egress"]
    assert stack.from_inside(rpc, "connect", proxy_ip, 9050)["connected"]
    for ip in stack.networks_of("tron-devnet").values():
        assert not stack.from_inside(rpc, "connect", ip, 8090)["connected"], "payment-rpc reached the devnet directly"
    assert not stack.from_inside(rpc, "connect", stack.networks_of("egress-proxy")["chain"], 9050)["connected"]
    assert not stack.from_inside(rpc, "connect", "1.1.1.1", 443)["connected"]
    # No gRPC port: payment-rpc serves the Unix socket only.
    for ip in stack.networks_of("payment-rpc").values():
        for port in (50051, 50443):
            assert not stack.from_inside(rpc, "connect", ip, port)["connected"]


def test_with_the_proxy_stopped_payouts_wait_and_confirm_once_it_is_back(stack, operator):
    proxy = stack.container("egress-proxy")
    assert rpc_metric(stack, "tron_node_requests_total", outcome="ok") > 0, "the node client's count is missing"
    unreachable = rpc_metric(stack, "tron_node_requests_total", node="primary", outcome="unreachable")
    podman("stop", "-t", "2", proxy)
    try:
        during = create(stack, operator, "outage", recipients("compose", "outage", 3), base_units=2_000_000)
        deadline = time.time() + OUTAGE_S
        while time.time() < deadline:
            found = statuses(stack, operator, during)
            assert not any(p["status"] in FINAL for p in found.values()), [p["status"] for p in found.values()]
            time.sleep(2.5)
        assert all(amounts == [] for amounts in paid(stack, during).values()), "paid while the proxy was down"
        # A node call gives up after its tries (3 of up to 5 s each, with backoff): give the count time to move.
        deadline = time.time() + 45
        while rpc_metric(stack, "tron_node_requests_total", node="primary", outcome="unreachable") <= unreachable:
            assert time.time() < deadline, "payment-rpc did not count the node as unreachable"
            time.sleep(1)
        assert all(p["status"] not in FINAL for p in statuses(stack, operator, during).values())
        assert all(amounts == [] for amounts in paid(stack, during).values()), "paid while the proxy was down"
    finally:
        podman("start", proxy)
    assert_confirmed_and_paid_once(stack, operator, during)


def test_payouts_in_flight_when_the_proxy_stops_are_neither_failed_nor_paid_twice(stack, operator):
    """The dangerous moment: transactions signed and broadcast, the node then unreachable. The processor cannot look
    them up, so it must neither fail them nor sign again; once the proxy is back each is confirmed, paid once."""
    proxy = stack.container("egress-proxy")
    broadcast = rpc_metric(stack, "tron_payout_broadcast_total")
    payouts = create(stack, operator, "in-flight", recipients("compose", "in-flight", 3), base_units=3_000_000)
    deadline = time.time() + 30
    while rpc_metric(stack, "tron_payout_broadcast_total") < broadcast + len(payouts):
        assert time.time() < deadline, "the payouts were not broadcast"
        time.sleep(0.1)
    podman("stop", "-t", "2", proxy)
    try:
        at_stop = statuses(stack, operator, payouts)
        in_flight = [p for p in at_stop.values() if p["status"] in ("PAYOUT_STATUS_SIGNED", "PAYOUT_STATUS_BROADCAST")]
        assert in_flight, ("every payout was already final when the proxy stopped", at_stop)
        signed = rpc_metric(stack, "tron_payout_signed_total")
        deadline = time.time() + OUTAGE_S
        while time.time() < deadline:
            found = statuses(stack, operator, payouts)
            assert not any(p["status"] in ("PAYOUT_STATUS_FAILED", "PAYOUT_STATUS_CANCELLED") for p in found.values())
            time.sleep(2.5)
        assert rpc_metric(stack, "tron_payout_signed_total") == signed, "signed again while the node was unreachable"
    finally:
        podman("start", proxy)
    assert_confirmed_and_paid_once(stack, operator, payouts)


def test_containers_are_hardened_as_declared(stack):
    for service in SERVICES:
        found = stack.inspect(service)
        host = found["HostConfig"]
        assert host["ReadonlyRootfs"] is True, service
        assert found["Config"]["User"] == "65532:65532", service
        assert found["EffectiveCaps"] in (None, []), (service, found["EffectiveCaps"])
        assert any("no-new-privileges" in option for option in host.get("SecurityOpt") or []), service
        published = {port for port, bindings in (found["NetworkSettings"].get("Ports") or {}).items() if bindings}
        expected = {"payment-gateway": {"8080/tcp"}, "tron-devnet": {"8090/tcp"}}.get(service, set())
        assert published == expected, (service, published)
        for binding in (found["NetworkSettings"].get("Ports") or {}).values():
            assert all(b["HostIp"] == "127.0.0.1" for b in binding or []), (service, binding)
    key = stack.secrets / "hot-wallet.key"
    info = key.stat()
    assert (info.st_mode & 0o777, info.st_uid, info.st_gid) == (0o400, 65532, 65532)
    mounts = {m["Destination"]: m for m in stack.inspect("payment-rpc")["Mounts"]}
    assert mounts["/run/secrets/hot-wallet.key"]["RW"] is False
    assert "/run/secrets/hot-wallet.key" not in {m["Destination"] for m in stack.inspect("beta-sidecar")["Mounts"]}


def test_health_checks_pass_and_images_have_no_shell(stack):
    for service in ("payment-rpc", "beta-sidecar", "payment-gateway"):
        result = podman("healthcheck", "run", stack.container(service), check=False)
        assert result.returncode == 0, (service, result.stdout, result.stderr)
    for image in ("payment-rpc", "beta-sidecar", "payment-gateway", "tron-devnet", "socks-proxy", "tor-proxy"):
        shell = podman("run", "--rm", "--entrypoint", "/bin/sh", f"lucid/{image}:{IMAGE_TAG}", "-c", "true",
                       check=False)
        assert shell.returncode == 127 and "no such file or directory" in shell.stderr, (image, shell.stderr[-300:])
        # build-images.sh checks the compressed size (80 MB); unpacked, the static Swift runtime makes them ~100 MB.
        size = int(podman("image", "inspect", "--format", "{{.Size}}", f"lucid/{image}:{IMAGE_TAG}").stdout)
        assert size <= 120_000_000, (image, size)


def test_only_the_writable_leaves_belong_to_the_programs_user():
    """Everything in an image is root's but the few directories the programs write (volumes start with their owner);
    in particular /, /run, /var and /var/lib are not 65532's."""
    image = f"lucid/payment-rpc:{IMAGE_TAG}"
    root = pathlib.Path(podman("image", "mount", image).stdout.strip())
    try:
        owners = {path: (root / path.lstrip("/")).stat().st_uid for path in (
            "/", "/run", "/run/lucid", "/var", "/var/lib", "/var/lib/lucid", "/home", "/etc", "/usr/local/bin",
            "/usr/local/bin/payment-rpc", "/run/lucid/grpc", "/run/lucid/wallet", "/var/lib/lucid/ledger",
            "/home/nonroot")}
        leaves = {"/run/lucid/grpc", "/run/lucid/wallet", "/var/lib/lucid/ledger", "/home/nonroot"}
        assert owners == {path: 65532 if path in leaves else 0 for path in owners}, owners
        assert (root / "usr/local/bin/payctl").readlink() == pathlib.Path("payment-rpc")
        assert not (root / "bin/sh").exists() and not (root / "usr/bin/apt").exists()
    finally:
        podman("image", "unmount", image, check=False)


def test_no_secret_reaches_the_logs(stack):
    secrets = [stack.secrets / name for name in ("hot-wallet.key", "jwt.secret", "wallet-tron-payment.key",
                                                 "ops-api-gateway.key")]
    texts = [re.sub(r"-----[A-Z ]+-----|\s", "", path.read_text()) for path in secrets]
    for service in SERVICES:
        result = podman("logs", stack.container(service), check=False)
        log = result.stdout + result.stderr
        for text in texts:
            assert text and text not in re.sub(r"\s", "", log), service


def test_the_tor_image_accepts_the_production_torrc(tmp_path):
    """lucid/tor-proxy (Debian's tor, not run against the Tor network here: no route out) starts as 65532 with a
    read-only root and validates the torrc of deploy/k8s/base/egress/tor-proxy.yaml."""
    import yaml

    documents = yaml.safe_load_all((ROOT / "deploy" / "k8s" / "base" / "egress" / "tor-proxy.yaml").read_text())
    torrc = next(d for d in documents if d["kind"] == "ConfigMap")["data"]["torrc"]
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "torrc").write_text(torrc)
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    os.chown(data, 65532, 65532)
    version = podman("run", "--rm", "--network", "none", f"lucid/tor-proxy:{IMAGE_TAG}", "--version")
    assert version.stdout.startswith("Tor version 0.4."), version.stdout
    verified = podman("run", "--rm", "--network", "none", "--read-only", "--cap-drop", "ALL", "--user", "65532:65532",
                      "-v", f"{data}:/var/lib/tor", "-v", f"{tmp_path / 'etc'}:/etc/tor:ro",
                      f"lucid/tor-proxy:{IMAGE_TAG}", "--verify-config", "-f", "/etc/tor/torrc", check=False)
    assert verified.returncode == 0 and "Configuration was valid" in verified.stdout, verified.stdout + verified.stderr
