"""The Kubernetes manifests run with `podman kube play` (issue 10): the staging form (`kubectl kustomize
deploy/k8s/staging`: the wallet Pod with payment-rpc, its sidecar and the payctl init container, the gateway, the
SOCKS5 egress proxy and the devnet) takes a REST payout to CONFIRMED on the devnet.

podman has no cluster around the Pods, so the test supplies what a cluster would, and nothing else:
- the Secrets the manifests name (as podman secrets holding Kubernetes Secret documents), with a JWKS whose key signs
  the test's token (staging verifies JWTs with `jwt.jwks_file`, as production does);
- the cluster DNS names (`tron-devnet.lucid-chain.svc`, ...) as `hostAliases` to the Pods' fixed addresses on one
  podman network;
- the hot wallet's genesis funds in the devnet's ConfigMap.
What podman does not do, and this test therefore does not show: NetworkPolicies, Services, Namespaces, PDBs and the
kubelet's probes (test_deploy_manifests.py checks those offline; test_compose_stack.py shows the isolation).

Runs only when LUCID_IMAGE_TAG names built images (scripts/test.sh builds them and sets it); needs kubectl (kustomize).
"""
import copy
import json
import os
import shutil
import subprocess
import time

import pytest
import yaml

from support.containers import IMAGE_TAG, json_request as http, podman
from support.paths import ROOT
from support.payouts import recipients

pytestmark = pytest.mark.skipif(not IMAGE_TAG or not shutil.which("kubectl") or os.geteuid() != 0,
                                reason="needs LUCID_IMAGE_TAG (built images), kubectl (kustomize) and root")

SUBNET = f"10.232.{20 + os.getpid() % 200}"  # per run: a leftover network of a killed run does not block the next
ADDRESSES = {"tor-proxy": f"{SUBNET}.10", "payment-gateway": f"{SUBNET}.11", "payment-rpc": f"{SUBNET}.12",
             "tron-devnet": f"{SUBNET}.13"}
CLUSTER_NAMES = {"tor-proxy.lucid-egress.svc": "tor-proxy", "payment-rpc.lucid-wallet.svc": "payment-rpc",
                 "tron-devnet.lucid-chain.svc": "tron-devnet"}


def secret_document(name, files):
    # podman 4.3 writes `data` values into the files as they are, without the base64 decoding Kubernetes does, and
    # ignores `stringData`: so the values here are the files' text.
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name},
            "data": {key: value.decode() for key, value in files.items()}}


def run_image_tool(directory, image, program, *args):
    return podman("run", "--rm", "--network", "none", "--user", "65532:65532", "-v", f"{directory}:/out",
                  "--entrypoint", f"/usr/local/bin/{program}", f"lucid/{image}:{IMAGE_TAG}", *args).stdout.strip()


def make_secrets(directory):
    """The manifests' Secrets, made with the images' own tools; returns ({name: document}, hot address, EC key)."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from joserfc.jwk import ECKey

    directory.mkdir()
    os.chown(directory, 65532, 65532)
    run_image_tool(directory, "payment-rpc", "payctl", "keys", "generate", "--out", "/out/hot-wallet.key")
    address = run_image_tool(directory, "payment-rpc", "payctl", "keys", "address", "--key-file", "/out/hot-wallet.key")
    run_image_tool(directory, "beta-sidecar", "beta-sidecar", "certs", "--dir", "/out", "--issue",
                   "wallet/tron-payment", "--dns", "payment-rpc.lucid-wallet.svc")
    run_image_tool(directory, "beta-sidecar", "beta-sidecar", "certs", "--dir", "/out", "--issue", "ops/api-gateway")
    read = lambda name: (directory / name).read_bytes()  # noqa: E731
    # The hot-wallet key alone, 0400 and owned by 65532, in a directory of its own (see playable()).
    only_key = directory.parent / "hot-wallet"
    only_key.mkdir()
    shutil.copy(directory / "hot-wallet.key", only_key / "hot-wallet.key")
    for path in (only_key, only_key / "hot-wallet.key"):
        os.chown(path, 65532, 65532)
    os.chmod(only_key / "hot-wallet.key", 0o400)
    signing = ECKey.import_key(ec.generate_private_key(ec.SECP256R1()))
    public = signing.as_dict(private=False)
    public.update({"kid": "kube-play", "use": "sig", "alg": "ES256"})
    secrets = {
        "hot-wallet-key": secret_document("hot-wallet-key", {"hot-wallet.key": read("hot-wallet.key")}),
        "sidecar-tls": secret_document("sidecar-tls", {"tls.crt": read("wallet-tron-payment.pem"),
                                                       "tls.key": read("wallet-tron-payment.key"),
                                                       "ca.crt": read("ca.pem")}),
        "gateway-tls": secret_document("gateway-tls", {"tls.crt": read("ops-api-gateway.pem"),
                                                       "tls.key": read("ops-api-gateway.key"),
                                                       "ca.crt": read("ca.pem")}),
        "gateway-jwks": secret_document("gateway-jwks", {"jwks.json": json.dumps({"keys": [public]}).encode()}),
        "tron-api-key": secret_document("tron-api-key", {"api-key": b"not-used-by-the-devnet"}),
    }
    return secrets, address, signing


def token(signing, subject, role):
    from joserfc import jwt
    now = int(time.time())
    return jwt.encode({"alg": "ES256", "kid": "kube-play"},
                      {"iss": "lucid-auth", "aud": "payment-api", "sub": subject, "role": role, "iat": now,
                       "exp": now + 600}, signing)


def playable(documents, hot_address, tag, volume, key_directory, prefix):
    """The staging documents podman plays (Pods' parts), with the cluster's DNS as hostAliases, the images tagged
    `tag`, the devnet funding the hot wallet, the ledger's claim named `volume` (podman makes it a volume of that
    name: one of this run's own), the hot-wallet key from `key_directory` (see below), and every Secret named with
    `prefix` (podman keeps a volume per Secret name: this run's own, removed after)."""
    aliases = [{"ip": ADDRESSES[target], "hostnames": [name]} for name, target in CLUSTER_NAMES.items()]
    out = []
    for document in documents:
        document = copy.deepcopy(document)
        kind = document["kind"]
        if kind == "ConfigMap" and document["metadata"]["name"] == "tron-devnet-config":  # (before the prefix)
            config = yaml.safe_load(document["data"]["tron-devnet.yaml"])
            config.update(fund=[f"{hot_address}:1000000000000:1000000000000"], block_interval_ms=1000, solid_lag=3)
            document["data"]["tron-devnet.yaml"] = yaml.safe_dump(config)
        if kind == "PersistentVolumeClaim":
            document["metadata"]["name"] = volume
        if kind == "ConfigMap":  # podman keeps a volume per ConfigMap name too
            document["metadata"]["name"] = prefix + document["metadata"]["name"]
        if kind == "Deployment":
            for container in document["spec"]["template"]["spec"]["containers"]:
                for variable in container.get("env", []):
                    reference = variable.get("valueFrom", {}).get("secretKeyRef")
                    if reference:
                        reference["name"] = prefix + reference["name"]
            document["spec"]["replicas"] = 1  # one Pod each, at its fixed address
            # podman 4.3 applies the Pod's restart policy to init containers too: with Always it starts the finished
            # init container again and then fails the Pod, unable to remove it "as it is running". OnFailure (which
            # a Deployment does not allow in a cluster) lets the init container finish once.
            document["spec"]["template"]["spec"]["restartPolicy"] = "OnFailure"
            spec = document["spec"]["template"]["spec"]
            spec["hostAliases"] = aliases
            for item in spec.get("volumes", []):
                if "persistentVolumeClaim" in item:
                    item["persistentVolumeClaim"]["claimName"] = volume
                if "configMap" in item:
                    item["configMap"]["name"] = prefix + item["configMap"]["name"]
                if "secret" in item:
                    item["secret"]["secretName"] = prefix + item["secret"]["secretName"]
                    # podman 4.3 dereferences a Secret volume's unset `optional` (a nil pointer: it panics).
                    item["secret"].setdefault("optional", False)
                if item["name"] == "hot-wallet-secret":
                    # podman writes Secret volume files 0644 whatever defaultMode says, and `payctl keys install`
                    # rightly refuses a key others may read: the same file, mode 0400, from the host instead.
                    item.pop("secret")
                    item["hostPath"] = {"path": str(key_directory), "type": "Directory"}
            for container in spec.get("initContainers", []) + spec["containers"]:
                if container["image"].startswith("lucid/"):
                    container["image"] = container["image"].rsplit(":", 1)[0] + f":{tag}"
        if kind in ("ConfigMap", "Deployment", "PersistentVolumeClaim"):
            out.append(document)
    order = {name: n for n, name in enumerate(ADDRESSES)}
    return sorted(out, key=lambda d: (d["kind"] == "Deployment", order.get(d["metadata"]["name"], 0)))


def diagnostics() -> str:
    """The last lines of every container's log (kube play's pods only), for a failure message."""
    pods = {"tor-proxy-pod-0", "payment-gateway-pod-0", "payment-rpc-pod-0", "tron-devnet-pod-0"}
    names = [line.split()[0] for line in podman("ps", "-a", "--format", "{{.Names}} {{.PodName}}", check=False
                                                ).stdout.splitlines() if line.split()[-1] in pods]
    return "".join(f"\n--- {name}\n" + podman("logs", "--tail", "3", name, check=False).stderr[-600:] for name in names)


def test_the_staging_manifests_take_a_payout_to_confirmed_with_podman_kube_play(tmp_path):
    name = f"lucid-kube-{os.getpid()}"
    rendered = subprocess.run(["kubectl", "kustomize", str(ROOT / "deploy" / "k8s" / "staging")], check=True,
                              capture_output=True, text=True).stdout
    secrets, hot_address, signing = make_secrets(tmp_path / "secrets")
    manifest = tmp_path / "staging-podman.yaml"
    manifest.write_text(yaml.safe_dump_all(playable(list(yaml.safe_load_all(rendered)), hot_address, IMAGE_TAG,
                                                       f"{name}-ledger", tmp_path / "hot-wallet", f"{name}-")))
    created = []
    try:
        for secret_name, document in secrets.items():
            path = tmp_path / f"{secret_name}.json"
            path.write_text(json.dumps(document))
            podman("secret", "create", f"{name}-{secret_name}", str(path))
            created.append(f"{name}-{secret_name}")
        podman("network", "create", "--subnet", f"{SUBNET}.0/24", name)
        ips = [arg for ip in ADDRESSES.values() for arg in ("--ip", ip)]
        played = podman("kube", "play", "--network", name, *ips, str(manifest), check=False, timeout=300)
        assert played.returncode == 0, played.stderr[-1500:] + diagnostics()
        gateway = f"http://{ADDRESSES['payment-gateway']}:8080"
        deadline = time.time() + 90
        while http("GET", f"{gateway}/api/payment/health")[0] != 200:
            assert time.time() < deadline, podman("pod", "ps").stdout + diagnostics()
            time.sleep(1)
        operator = token(signing, "kube-operator", "node_operator")
        recipient = recipients("kube-play", "smoke", 1)[0]
        status, body = http("POST", f"{gateway}/api/payment/payouts",
                            {"idempotencyKey": "kube-1", "recipientAddress": recipient, "amountUnits": "1250000",
                             "reason": "kube play smoke"}, operator)
        assert status == 200, body
        payout_id = body["payout"]["payoutId"]
        deadline = time.time() + 120
        while True:
            status, payout = http("GET", f"{gateway}/api/payment/payouts/{payout_id}", token=operator)
            assert status == 200, payout
            if payout["status"] in ("PAYOUT_STATUS_CONFIRMED", "PAYOUT_STATUS_FAILED") or time.time() > deadline:
                break
            time.sleep(2)
        assert payout["status"] == "PAYOUT_STATUS_CONFIRMED", payout
        devnet = f"http://{ADDRESSES['tron-devnet']}:8090"
        status, transfers = http("POST", f"{devnet}/admin/transfers", {"to": recipient})
        assert [t["amount_units"] for t in transfers["transfers"]] == [1_250_000]
    finally:
        podman("kube", "down", str(manifest), check=False, timeout=120)
        podman("network", "rm", "-f", name, check=False)
        for secret_name in created:
            podman("secret", "rm", secret_name, check=False)
            podman("volume", "rm", "-f", secret_name, check=False)
        podman("volume", "rm", "-f", f"{name}-ledger", check=False)
        for document in yaml.safe_load_all(manifest.read_text()) if manifest.exists() else []:
            if document["kind"] == "ConfigMap":
                podman("volume", "rm", "-f", document["metadata"]["name"], check=False)
