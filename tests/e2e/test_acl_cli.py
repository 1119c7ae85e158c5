"""beta-sidecar acl check / acl test: decisions, deciding rule, exit codes 0 (allow), 1 (deny), 2 (bad policy)."""
from support.paths import BETA_SIDECAR, ROOT
from support.processes import run

POLICY = str(ROOT / "acl" / "wallet_plane.acl")


def sidecar(*args):
    return run([BETA_SIDECAR, *args], capture_output=True, text=True, timeout=30)


def check(source, target, method, policy=POLICY):
    return sidecar("acl", "check", "--policy", policy, "--from", source, "--to", target, "--method", method)


def test_check_allow_deny_and_bad_policy(tmp_path):
    allowed = check("ops/api-gateway", "wallet/tron-payment", "/lucid.payment.v1.PaymentService/CreatePayout")
    assert allowed.returncode == 0
    assert allowed.stdout.startswith('allow: rule "gateway_to_payment"')
    denied = check("chain/tron-node", "wallet/tron-payment", "/grpc.health.v1.Health/Check")
    assert denied.returncode == 1
    assert denied.stdout.startswith('deny: rule "chain_to_wallet_denied"')
    assert 'also matched: rule "health_probes_shadow" (allow, shadow' in denied.stdout
    bad = tmp_path / "bad.acl"
    bad.write_text('rule "x" {\n  action = "allow"\n  colour = "red"\n}\n')
    broken = check("ops/a", "wallet/b", "/x.Y/Z", policy=str(bad))
    assert broken.returncode == 2
    assert f"{bad}:3:3: unknown key 'colour'" in broken.stderr


def test_cases_pass_and_mismatches_are_reported(tmp_path):
    passed = sidecar("acl", "test", "--policy", POLICY, "--cases", str(ROOT / "acl" / "wallet_plane.cases"))
    assert passed.returncode == 0, passed.stdout
    wrong = tmp_path / "wrong.cases"
    wrong.write_text("allow chain/tron-node wallet/tron-payment /lucid.payment.v1.PaymentService/CreatePayout\n")
    failed = sidecar("acl", "test", "--policy", POLICY, "--cases", str(wrong))
    assert failed.returncode == 1
    assert f"{wrong}:1: expected allow, got deny" in failed.stdout


def test_sidecar_config_errors_name_the_key(tmp_path):
    config = tmp_path / "sidecar.yaml"
    config.write_text("listen: 127.0.0.1:1\nprobe:\n  interval_ms: fast\n")
    result = sidecar("run", "--config", str(config))
    assert result.returncode == 2
    assert "configuration error: tls.cert: is required" in result.stderr
    config.write_text("listen: nowhere\ntls:\n  cert: a\n  key: b\n  ca: c\n")
    assert "configuration error: listen: must be host:port" in sidecar("run", "--config", str(config)).stderr
    config.write_text("lisen: 127.0.0.1:1\n")
    assert "configuration error: lisen: is not a known setting" in sidecar("run", "--config", str(config)).stderr
