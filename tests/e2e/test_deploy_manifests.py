"""The deployed form, checked without a cluster: deploy/k8s (Kubernetes manifests) and deploy/prometheus (alert
rules, their unit tests, the scrape configuration).

- every manifest passes `kubernetes-validate --strict`, and so does what `kubectl kustomize` builds from each
  kustomization (when kubectl is installed);
- `promtool check rules`, `promtool test rules` and `promtool check config` pass (skipped without promtool: CI
  installs Debian's prometheus package in .ci/run);
- every configuration file in a ConfigMap holds only keys its program declares (the key lists are read from the
  `ConfigSchema(...)` declarations in Sources: each program refuses an unknown key at start), every container's
  `--config` names a mounted file of its own program, and no container sets a PREFIX_* variable that names no key;
- the rules the manifests must keep: restricted security contexts, no service links, one payment-rpc replica
  with Recreate, a default-deny NetworkPolicy per namespace, exec probes only through real `healthcheck`
  subcommands, the ACL copy equal to acl/wallet_plane.acl, alerts only on metrics the programs export.

Needs no built binary.
"""
import pathlib
import re
import shutil
import subprocess
import sys

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
PROMETHEUS = ROOT / "deploy" / "prometheus"
SOURCES = ROOT / "Sources"

# Keys the manifests already use that a program does not declare yet because another branch adds them. Each entry
# must leave this list once its program declares it (test_pending_keys_are_still_pending fails then, as a reminder).
PENDING_KEYS: dict[str, dict[str, str]] = {}

# Which program reads a ConfigMap file of this name, and which program an image runs.
CONFIG_FILES = {
    "payment-rpc.yaml": "payment-rpc",
    "beta-sidecar.yaml": "beta-sidecar",
    "payment-gateway.yaml": "payment-gateway",
    "tron-devnet.yaml": "tron-devnet",
}
IMAGES = {
    "lucid/payment-rpc": "payment-rpc",
    "lucid/beta-sidecar": "beta-sidecar",
    "lucid/payment-gateway": "payment-gateway",
    "lucid/tron-devnet": "tron-devnet",
}


# ---------------------------------------------------------------------------------------------------------------
# What the repository declares


class Schema:
    def __init__(self, program, prefix, keys, renamed, other_variables):
        self.program = program
        self.prefix = prefix
        self.keys = keys
        self.renamed = renamed
        self.other_variables = other_variables

    def accepts(self, key):
        return key in self.keys or key in self.renamed

    def variable(self, key):
        return self.prefix + key.upper().replace(".", "_")


def _swift_string_constant(name):
    """The value of `static let NAME = "…"` anywhere in Sources (for otherEnvironmentVariables)."""
    for path in SOURCES.rglob("*.swift"):
        match = re.search(r"static let " + re.escape(name) + r'\s*=\s*"([^"]+)"', path.read_text())
        if match:
            return match.group(1)
    raise AssertionError(f"cannot find the constant {name} in Sources")


def _call_arguments(text, start):
    """The text between the parenthesis at `start` and its match, skipping string literals."""
    depth, index, in_string = 0, start, False
    while index < len(text):
        char = text[index]
        if in_string:
            if char == "\\":
                index += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
            if depth == 0:
                return text[start + 1:index]
        index += 1
    raise AssertionError("unbalanced ConfigSchema(")


def _schemas():
    schemas = {}
    for path in sorted(SOURCES.rglob("*.swift")):
        if "Generated" in path.parts:
            continue
        text = path.read_text()
        start = text.find("= ConfigSchema(")
        if start < 0:
            continue
        block = _call_arguments(text, text.index("(", start))
        program = re.search(r'program:\s*"([^"]+)"', block).group(1)
        prefix = re.search(r'environmentPrefix:\s*"([^"]+)"', block).group(1)
        keys_at = block.index("keys:")
        keys_list = _call_arguments(block, block.index("[", keys_at))
        keys = set(re.findall(r'ConfigKey(?:\.list)?\(\s*"([^"]+)"', keys_list))
        rest = block[keys_at + len(keys_list):]
        renamed = {}
        if "renamedKeys:" in rest:
            renamed_list = _call_arguments(rest, rest.index("[", rest.index("renamedKeys:")))
            renamed = dict(re.findall(r'"([^"]+)"\s*:\s*"([^"]+)"', renamed_list))
        others = set()
        if "otherEnvironmentVariables:" in rest:
            other_list = _call_arguments(rest, rest.index("[", rest.index("otherEnvironmentVariables:")))
            for item in filter(None, (part.strip() for part in other_list.split(","))):
                others.add(item.strip('"') if item.startswith('"') else _swift_string_constant(item.split(".")[-1]))
        assert keys, f"{path}: a ConfigSchema without keys?"
        assert program not in schemas, f"{program} declares two schemas"
        schemas[program] = Schema(program, prefix, keys, renamed, others)
    return schemas


SCHEMAS = _schemas()


def test_every_program_schema_is_found():
    assert set(SCHEMAS) == set(CONFIG_FILES.values()), SCHEMAS.keys()
    # Spot checks that the regexes read the lists right (multi-line ConfigKey( declarations included).
    assert "breaker.failure_threshold_percent" in SCHEMAS["payment-rpc"].keys
    assert "wallet.key_file" in SCHEMAS["payment-rpc"].keys
    assert "admin.grpc_listen" in SCHEMAS["beta-sidecar"].keys
    assert SCHEMAS["beta-sidecar"].renamed.get("admin_listen") == "admin.listen"
    assert "rate_limits.max_keys" in SCHEMAS["payment-gateway"].keys
    assert "faults.refuse_rebroadcast_code" in SCHEMAS["tron-devnet"].keys
    assert "PAYMENT_RPC_WALLET_PRIVATE_KEY" in SCHEMAS["payment-rpc"].other_variables


def flatten(node, prefix=""):
    """Dotted keys the way ServerSupport's ConfigSource flattens a YAML file (nested mappings → a.b.c)."""
    for name, value in node.items():
        key = f"{prefix}.{name}" if prefix else str(name)
        if isinstance(value, dict):
            yield from flatten(value, key)
        else:
            yield key, value


# ---------------------------------------------------------------------------------------------------------------
# The manifests


def manifest_files():
    return sorted(p for p in K8S.rglob("*.yaml") if p.name != "kustomization.yaml")


def kustomizations():
    return sorted(p.parent for p in K8S.rglob("kustomization.yaml"))


def documents():
    for path in manifest_files():
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                yield path, doc


def pod_specs():
    for path, doc in documents():
        if doc["kind"] in ("Deployment", "StatefulSet", "DaemonSet"):
            yield path, doc, doc["spec"]["template"]["spec"]


def config_files():
    """(manifest, ConfigMap name, file name, program, parsed YAML) for every program config file in a ConfigMap."""
    found = []
    for path, doc in documents():
        if doc["kind"] != "ConfigMap":
            continue
        for name, text in doc.get("data", {}).items():
            if name in CONFIG_FILES:
                found.append((path, doc["metadata"]["name"], name, CONFIG_FILES[name], yaml.safe_load(text) or {}))
    return found


def test_manifests_exist():
    names = {p.relative_to(K8S).as_posix() for p in manifest_files()}
    assert {"base/namespaces.yaml", "base/wallet/payment-rpc.yaml", "devnet/tron-devnet.yaml"} <= names
    assert {d.relative_to(K8S).as_posix() for d in kustomizations()} == {".", "base", "devnet", "staging"}


def _kubernetes_validate(paths):
    command = [sys.executable, "-m", "kubernetes_validate", "--strict", "--quiet", *map(str, paths)]
    if shutil.which("kubernetes-validate"):
        command = ["kubernetes-validate", "--strict", "--quiet", *map(str, paths)]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def test_kubernetes_validate_strict_on_every_manifest():
    pytest.importorskip("kubernetes_validate", reason="pip install -r tests/e2e/requirements.txt")
    result = _kubernetes_validate(manifest_files())
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_kustomization_lists_existing_files_and_every_manifest_is_listed():
    listed = set()
    for directory in kustomizations():
        kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
        for entry in kustomization.get("resources", []) + [
            p["path"] for p in kustomization.get("patches", []) if "path" in p
        ]:
            target = (directory / entry).resolve()
            assert target.exists(), f"{directory}/kustomization.yaml names {entry}, which does not exist"
            if target.is_file():
                listed.add(target)
    unlisted = [p.relative_to(K8S).as_posix() for p in manifest_files() if p.resolve() not in listed]
    assert not unlisted, f"manifests no kustomization uses: {unlisted}"


@pytest.mark.parametrize("directory", ["", "devnet", "staging"])
def test_kustomize_build_validates(directory, tmp_path):
    pytest.importorskip("kubernetes_validate", reason="pip install -r tests/e2e/requirements.txt")
    if not shutil.which("kubectl"):
        pytest.skip("kubectl (with its built-in kustomize) is not installed")
    version = subprocess.run(["kubectl", "version", "--client"], capture_output=True, text=True, timeout=60).stdout
    major = re.search(r"Kustomize Version: v(\d+)", version)
    if not major or int(major.group(1)) < 4:
        pytest.skip(f"kubectl's kustomize is too old for these kustomizations (needs v4+): {version.strip()}")
    built = subprocess.run(
        ["kubectl", "kustomize", str(K8S / directory)], capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stderr
    out = tmp_path / "built.yaml"
    out.write_text(built.stdout)
    result = _kubernetes_validate([out])
    assert result.returncode == 0, result.stdout + result.stderr
    kinds = [doc["kind"] for doc in yaml.safe_load_all(built.stdout) if doc]
    assert "Deployment" in kinds and "NetworkPolicy" in kinds
    if directory == "staging":
        config = next(
            doc for doc in yaml.safe_load_all(built.stdout)
            if doc and doc["kind"] == "ConfigMap" and doc["metadata"]["name"] == "payment-rpc-config")
        rpc = yaml.safe_load(config["data"]["payment-rpc.yaml"])
        assert rpc["environment"] == "staging" and rpc["tron"]["network"] == "devnet"
        assert "wallet_plane.acl" in config["data"] and "beta-sidecar.yaml" in config["data"]


# ---------------------------------------------------------------------------------------------------------------
# Configuration keys


def test_config_files_use_only_declared_keys():
    assert len(config_files()) >= 5
    refused = []
    for path, configmap, name, program, config in config_files():
        schema = SCHEMAS[program]
        for key, _ in flatten(config):
            if schema.accepts(key) or key in PENDING_KEYS.get(program, {}):
                continue
            refused.append(f"{path.relative_to(ROOT)}: ConfigMap {configmap}, {name}: {program} refuses {key}")
    assert not refused, "\n".join(refused)


def test_pending_keys_are_still_pending():
    used = {(program, key) for _, _, _, program, config in config_files() for key, _ in flatten(config)}
    for program, keys in PENDING_KEYS.items():
        for key, what in keys.items():
            assert (program, key) in used, f"{program} {key} is in PENDING_KEYS but no manifest uses it"
            assert key not in SCHEMAS[program].keys, (
                f"{program} declares {key} now: remove it from PENDING_KEYS in {pathlib.Path(__file__).name}")
    missing = [f"{program} {key} ({what})" for program, keys in PENDING_KEYS.items() for key, what in keys.items()]
    if missing:
        pytest.xfail("keys the manifests use before their program declares them: " + "; ".join(missing))


def test_production_and_staging_rules_hold():
    by_namespace = {}
    for path, configmap, name, program, config in config_files():
        if program == "payment-rpc":
            by_namespace[path.relative_to(K8S).parts[0]] = config
    production, staging = by_namespace["base"], by_namespace["staging"]
    assert production["environment"] == "production" and production["tron"]["network"] == "mainnet"
    assert staging["environment"] == "staging" and staging["tron"]["network"] != "mainnet"
    for config in (production, staging):
        keys = dict(flatten(config))
        assert "grpc.listen" not in keys, "payment-rpc refuses grpc.listen outside development"
        assert keys["grpc.unix_socket"].startswith("/run/lucid/grpc/")
        assert keys["tron.proxy"] == "socks5://tor-proxy.lucid-egress.svc:9050"
        assert keys["processor.enabled"] is True and keys["wallet.key_file"] == "/run/lucid/wallet/hot-wallet.key"
        assert not any(k.startswith("development.") for k in keys), "development.* is refused outside development"
        assert "tron.api_key" not in keys, "the API key belongs in a Secret"


def _containers(spec):
    return [("init", c) for c in spec.get("initContainers", [])] + [("main", c) for c in spec["containers"]]


def _program(container):
    image = container["image"].rsplit(":", 1)[0]
    return IMAGES.get(image)


def test_each_container_reads_a_mounted_config_file_of_its_own_program():
    configmaps = {}
    for path, doc in documents():
        if doc["kind"] == "ConfigMap" and "staging" not in path.relative_to(K8S).parts:  # staging holds patches
            configmaps[(doc["metadata"]["namespace"], doc["metadata"]["name"])] = doc
    checked = 0
    for path, doc, spec in pod_specs():
        namespace = doc["metadata"]["namespace"]
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        for _, container in _containers(spec):
            program = _program(container)
            if program is None or container.get("command"):  # no program, or another one (payctl keys install)
                continue
            args = container.get("args", [])
            assert "--config" in args, f"{path}: {container['name']} has no --config"
            config_path = pathlib.PurePosixPath(args[args.index("--config") + 1])
            mount = next(m for m in container.get("volumeMounts", [])
                         if config_path.parent == pathlib.PurePosixPath(m["mountPath"]))
            source = volumes[mount["name"]]["configMap"]["name"]
            data = configmaps[(namespace, source)]["data"]
            assert config_path.name in data, f"{path}: {config_path} is not a key of ConfigMap {source}"
            assert CONFIG_FILES[config_path.name] == program, f"{path}: {container['name']} reads another's file"
            for variable in container.get("env", []):
                name = variable["name"]
                schema = SCHEMAS[program]
                if name.startswith(schema.prefix) and name not in schema.other_variables:
                    assert any(schema.variable(key) == name for key in schema.keys), (
                        f"{path}: {container['name']} sets {name}, which {program} refuses")
            checked += 1
    assert checked == 4  # payment-rpc, beta-sidecar, payment-gateway, tron-devnet


# ---------------------------------------------------------------------------------------------------------------
# Rules the manifests keep


def test_security_contexts_are_restricted():
    for path, doc, spec in pod_specs():
        pod = spec["securityContext"]
        where = f"{path.relative_to(ROOT)} {doc['metadata']['name']}"
        assert pod["runAsNonRoot"] is True and pod["runAsUser"] == 65532, where
        assert pod["seccompProfile"]["type"] == "RuntimeDefault", where
        assert spec["automountServiceAccountToken"] is False, where
        for _, container in _containers(spec):
            context = container["securityContext"]
            name = f"{where}/{container['name']}"
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["capabilities"]["drop"] == ["ALL"], name
            assert "add" not in context["capabilities"], name
            assert "requests" in container["resources"] and "limits" in container["resources"], name


def test_no_service_links():
    # A Service named payment-rpc would put PAYMENT_RPC_SERVICE_HOST into every container of its namespace, and
    # payment-rpc (like every program here) refuses a prefixed variable that names no key.
    for path, doc, spec in pod_specs():
        assert spec.get("enableServiceLinks") is False, f"{path}: {doc['metadata']['name']}"


def test_payment_rpc_has_one_writer():
    deployment = next(doc for _, doc, _ in pod_specs() if doc["metadata"]["name"] == "payment-rpc")
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"]["type"] == "Recreate"
    claim = next(doc for _, doc in documents() if doc["kind"] == "PersistentVolumeClaim")
    assert claim["spec"]["accessModes"] == ["ReadWriteOncePod"]
    spec = deployment["spec"]["template"]["spec"]
    names = [c["name"] for c in spec["containers"]]
    assert names == ["payment-rpc", "beta-sidecar"]
    socket = {v["name"] for v in spec["volumes"] if "emptyDir" in v}
    for container in spec["containers"]:
        assert any(m["mountPath"] == "/run/lucid/grpc" and m["name"] in socket for m in container["volumeMounts"])
        assert not any(p.get("hostPort") for p in container.get("ports", []))
    rpc_ports = {p["containerPort"] for p in spec["containers"][0]["ports"]}
    assert rpc_ports == {9090}, "payment-rpc exposes its admin port only; gRPC is the Unix socket"


def test_hot_wallet_key_reaches_payment_rpc_owner_only():
    deployment = next(doc for _, doc, _ in pod_specs() if doc["metadata"]["name"] == "payment-rpc")
    spec = deployment["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert volumes["hot-wallet-secret"]["secret"]["defaultMode"] == 0o400
    assert volumes["wallet-key"]["emptyDir"]["medium"] == "Memory"
    init = spec["initContainers"][0]
    # payctl keys install (payment-rpc's own image, no third-party image, no shell) writes the key 0400.
    assert init["image"] == "lucid/payment-rpc:dev"
    assert init["command"] == ["/usr/local/bin/payctl", "keys", "install", "--from",
                               "/etc/lucid/hot-wallet-secret/hot-wallet.key", "--to", "/run/lucid/wallet/hot-wallet.key"]
    assert "struct Install" in (SOURCES / "PayCtlCommands" / "PayCtl.swift").read_text()
    rpc = spec["containers"][0]
    assert {"name": "wallet-key", "mountPath": "/run/lucid/wallet", "readOnly": True} in rpc["volumeMounts"]
    sidecar = spec["containers"][1]
    mounted = {m["name"] for m in sidecar["volumeMounts"]}
    assert not mounted & {"wallet-key", "hot-wallet-secret"}, "the sidecar never sees the hot-wallet key"


def test_every_namespace_defaults_to_deny():
    namespaces = {doc["metadata"]["name"] for _, doc in documents() if doc["kind"] == "Namespace"}
    assert namespaces == {"lucid-ops", "lucid-wallet", "lucid-egress", "lucid-chain"}
    for namespace in namespaces:
        policies = [
            doc for _, doc in documents()
            if doc["kind"] == "NetworkPolicy" and doc["metadata"]["namespace"] == namespace
            and doc["spec"]["podSelector"] == {} and sorted(doc["spec"]["policyTypes"]) == ["Egress", "Ingress"]
            and not doc["spec"].get("ingress") and not doc["spec"].get("egress")]
        assert policies, f"{namespace} has no default-deny NetworkPolicy"
        labels = next(doc for _, doc in documents() if doc["kind"] == "Namespace"
                      and doc["metadata"]["name"] == namespace)["metadata"]["labels"]
        assert labels["pod-security.kubernetes.io/enforce"] == "restricted"


def test_wallet_plane_goes_out_through_the_egress_proxy_only():
    policies = [doc for _, doc in documents() if doc["kind"] == "NetworkPolicy"
                and doc["metadata"]["namespace"] == "lucid-wallet"]
    peers = [(peer, rule.get("ports", [])) for doc in policies for rule in doc["spec"].get("egress", [])
             for peer in rule["to"]]
    for peer, ports in peers:
        assert "ipBlock" not in peer, "no address range out of the wallet plane"
        namespace = peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
        assert namespace in ("lucid-egress", "kube-system")
        if namespace == "lucid-egress":
            assert [p["port"] for p in ports] == [9050]
        else:
            assert {p["port"] for p in ports} == {53}
    ingress = [rule for doc in policies for rule in doc["spec"].get("ingress", [])]
    from_ops = [rule for rule in ingress
                if any(p.get("namespaceSelector", {}).get("matchLabels", {}).get("kubernetes.io/metadata.name")
                       == "lucid-ops" for p in rule["from"])]
    assert [[p["port"] for p in rule["ports"]] for rule in from_ops] == [[50443]], "ops reaches the sidecar only"


def _has_healthcheck_subcommand(program):
    directory = SOURCES / program
    return any("HealthcheckCommand<" in p.read_text() for p in directory.glob("*.swift"))


def test_probes():
    """Exec probes only through real `healthcheck` subcommands; payment-rpc never probed on /ready."""
    for path, doc, spec in pod_specs():
        for kind, container in _containers(spec):
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                command = container.get(probe, {}).get("exec", {}).get("command")
                if command:
                    assert command[1] == "healthcheck" and _has_healthcheck_subcommand(command[0]), (
                        f"{path}: {container['name']} {probe} runs {command}")
            if _program(container) == "payment-rpc" and kind == "main":
                # /ready (and `payment-rpc healthcheck`, which asks it) is 503 while the breaker is open: as a
                # readiness probe it takes the Pod out of the Service, so ResetBreaker cannot reach it (a manual trip
                # locks itself in); as a liveness or startup probe it restarts payment-rpc in a loop.
                assert "readinessProbe" not in container
                for probe in ("startupProbe", "livenessProbe"):
                    assert container[probe]["httpGet"]["path"] == "/live"
            elif _program(container) is not None and kind == "main":
                assert "readinessProbe" in container and "livenessProbe" in container, container["name"]
    # Kubernetes makes the HTTP probes itself (httpGet); the `healthcheck` subcommands are for runtimes without one
    # (compose, podman). tron-devnet, a test stand-in, has none.
    for program in ("payment-rpc", "beta-sidecar", "payment-gateway"):
        assert _has_healthcheck_subcommand(program), program
    assert not _has_healthcheck_subcommand("tron-devnet"), "tron-devnet has a healthcheck now: use it in deploy/k8s"


def test_acl_copy_is_the_policy_file():
    config = next(doc for _, doc in documents()
                  if doc["kind"] == "ConfigMap" and doc["metadata"]["name"] == "payment-rpc-config"
                  and "wallet_plane.acl" in doc["data"])
    assert config["data"]["wallet_plane.acl"] == (ROOT / "acl" / "wallet_plane.acl").read_text(), (
        "deploy/k8s/base/wallet/payment-rpc-config.yaml must carry acl/wallet_plane.acl unchanged")


# ---------------------------------------------------------------------------------------------------------------
# Prometheus


def _promtool(*args):
    if not shutil.which("promtool"):
        pytest.skip("promtool is not installed (apt-get install prometheus; .ci/run does)")
    return subprocess.run(["promtool", *args], capture_output=True, text=True, timeout=120, cwd=PROMETHEUS)


def test_promtool_check_rules():
    result = _promtool("check", "rules", "alerts.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_test_rules():
    result = _promtool("test", "rules", "alerts.test.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_check_config():
    result = _promtool("check", "config", "prometheus.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


def _alert_rules():
    return [rule for group in yaml.safe_load((PROMETHEUS / "alerts.yaml").read_text())["groups"]
            for rule in group["rules"]]


def test_alerts_use_only_exported_metrics():
    # Every metric name the programs use is a string literal in Sources (Counter(label: "…"), Gauge(label: …),
    # and `confirmed ? "tron_payouts_confirmed_total" : "tron_payouts_failed_total"`).
    exported = set()
    for path in SOURCES.rglob("*.swift"):
        if "Generated" not in path.parts:
            exported |= set(re.findall(r'"((?:tron|sidecar|gateway|payment_rpc)_[a-z_]+)"', path.read_text()))
    used = set()
    for rule in _alert_rules():
        used |= set(re.findall(r"\b((?:tron|sidecar|gateway|payment_rpc)_[a-z_]+)\b", rule["expr"]))
    assert used, "no metric found in the alert expressions"
    assert used <= exported, f"alerts on metrics no program exports: {sorted(used - exported)}"


def test_every_alert_has_a_firing_and_a_quiet_test():
    tests = yaml.safe_load((PROMETHEUS / "alerts.test.yaml").read_text())["tests"]
    fires, quiet = set(), set()
    for case in tests:
        for check in case["alert_rule_test"]:
            (fires if check["exp_alerts"] else quiet).add(check["alertname"])
    names = {rule["alert"] for rule in _alert_rules()}
    assert names == fires == quiet, (names - fires, names - quiet)


def test_daily_limit_alert_matches_the_configured_limit():
    rule = next(rule for rule in _alert_rules() if rule["alert"] == "DailyLimitNearlyUsed")
    threshold = float(re.search(r">\s*([0-9.]+)\s*$", rule["expr"].strip()).group(1))
    for path, _, _, program, config in config_files():
        if program == "payment-rpc":
            daily_units = config["limits"]["daily_units"]
            assert threshold == pytest.approx(0.9 * daily_units / 1_000_000), (
                f"{path}: limits.daily_units {daily_units} and the alert's threshold {threshold} USDT disagree")


def test_scrape_config_covers_the_three_admin_ports():
    config = yaml.safe_load((PROMETHEUS / "prometheus.yaml").read_text())
    ports = {job["job_name"]: job["dns_sd_configs"][0]["port"] for job in config["scrape_configs"]}
    assert ports == {"payment-rpc": 9090, "beta-sidecar": 9443, "payment-gateway": 9080}
    assert config["rule_files"] == ["alerts.yaml"]
    services = {(doc["metadata"]["name"], doc["metadata"]["namespace"]): doc for _, doc in documents()
                if doc["kind"] == "Service"}
    for job in config["scrape_configs"]:
        name, namespace = job["dns_sd_configs"][0]["names"][0].split(".")[:2]
        service = services[(name, namespace)]
        assert service["spec"]["clusterIP"] == "None"
        assert job["dns_sd_configs"][0]["port"] in {p["port"] for p in service["spec"]["ports"]}


# ---------------------------------------------------------------------------------------------------------------
# Compose (deploy/compose) and the images' Containerfiles, checked without running them (test_compose_stack.py
# runs them)

COMPOSE = ROOT / "deploy" / "compose"
CONTAINERFILES = ROOT / "deploy" / "images"


def _compose():
    return yaml.safe_load((COMPOSE / "compose.yaml").read_text())


def test_compose_config_files_use_only_declared_keys():
    refused = []
    for name, program in CONFIG_FILES.items():
        config = yaml.safe_load((COMPOSE / "config" / name).read_text())
        refused += [f"deploy/compose/config/{name}: {program} refuses {key}" for key, _ in flatten(config)
                    if not SCHEMAS[program].accepts(key)]
    assert not refused, "\n".join(refused)


def test_compose_services_are_hardened_and_the_planes_are_networks():
    compose = _compose()
    services = compose["services"]
    assert set(services) == {"tron-devnet", "egress-proxy", "payment-rpc", "beta-sidecar", "payment-gateway"}
    for name, service in services.items():
        assert service["read_only"] is True and service["cap_drop"] == ["ALL"], name
        assert "no-new-privileges" in service["security_opt"] and service["user"] == "65532:65532", name
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), (name, port)
        for variable in service.get("environment", {}):
            program = IMAGES.get(service["image"].split(":")[0])
            if program:
                assert variable.removeprefix(SCHEMAS[program].prefix).lower().replace("_", ".") in {
                    k.replace("_", ".") for k in SCHEMAS[program].keys}, (name, variable)
    assert {name: sorted(service["networks"]) for name, service in services.items()} == {
        "tron-devnet": ["chain"], "egress-proxy": ["chain", "egress"], "payment-rpc": ["egress", "wallet"],
        "beta-sidecar": ["ops", "wallet"], "payment-gateway": ["edge", "ops"]}
    assert {name: bool(network and network.get("internal")) for name, network in compose["networks"].items()} == {
        "edge": False, "ops": True, "wallet": True, "egress": True, "chain": False}
    for name, network in compose["networks"].items():
        assert network["driver_opts"] == {"isolate": "true"}, f"network {name} is not isolated from the others"
    proxy = services["egress-proxy"]
    address = proxy["networks"]["egress"]["ipv4_address"]
    assert proxy["command"] == ["-i", address, "-p", "9050"], "the proxy listens on its egress address only"
    assert "ports" not in services["payment-rpc"] and "ports" not in services["beta-sidecar"]
    rpc = yaml.safe_load((COMPOSE / "config" / "payment-rpc.yaml").read_text())
    keys = dict(flatten(rpc))
    assert "grpc.listen" not in keys and keys["grpc.unix_socket"].startswith("/run/lucid/grpc/")
    assert keys["tron.proxy"] == "socks5://egress-proxy:9050" and keys["environment"] == "staging"
    assert keys["wallet.key_file"] == "/run/secrets/hot-wallet.key"
    assert [s["source"] for s in services["payment-rpc"]["secrets"]] == ["hot-wallet-key"]
    assert not any(s["source"] == "hot-wallet-key" for name, service in services.items() if name != "payment-rpc"
                   for s in service.get("secrets", [])), "only payment-rpc mounts the hot-wallet key"


def _stages(path):
    """{target: [instructions after its FROM, continuation lines joined]} of a Containerfile."""
    stages, current = {}, None
    text = re.sub(r"\\\n\s*", " ", path.read_text())
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        found = re.match(r"FROM \S+ AS (\S+)$", line)
        if found:
            current = stages.setdefault(found.group(1), [])
        elif current is not None:
            current.append(line)
    return stages


def test_both_containerfiles_build_the_same_images():
    offline, registry = _stages(CONTAINERFILES / "Containerfile.offline"), _stages(CONTAINERFILES / "Containerfile")
    targets = ["payment-rpc", "beta-sidecar", "payment-gateway", "tron-devnet", "socks-proxy", "tor-proxy"]
    for target in targets:
        assert target in offline and target in registry, target
        for instruction in ("ENTRYPOINT", "CMD", "HEALTHCHECK"):
            mine = [line for line in offline[target] if line.startswith(instruction)]
            theirs = [line for line in registry[target] if line.startswith(instruction)]
            assert mine == theirs, (target, instruction, mine, theirs)
    for stages in (offline, registry):
        assert "USER 65532:65532" in stages["runtime"]
    # Every program the manifests and compose run has an image target, and its entrypoint is that program.
    for image, program in IMAGES.items():
        assert f'ENTRYPOINT ["/usr/local/bin/{program}"]' in offline[image.split("/")[1]]
    # payctl ships in the payment-rpc image as a link to payment-rpc, which runs payctl when called by that name.
    assert "COPY links/payment-rpc/ /" in offline["payment-rpc"]
    assert 'ln -s payment-rpc "$CONTEXT/links/payment-rpc/usr/local/bin/payctl"' in (
        ROOT / "deploy" / "build-images.sh").read_text()
    assert "PayCtl.isCalledAsPayCtl()" in (SOURCES / "payment-rpc" / "PaymentRPCCommand.swift").read_text()
