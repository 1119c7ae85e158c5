"""End to end through all four processes: REST → payment-gateway → beta-sidecar (mTLS) → payment-rpc → tron-devnet."""
import base64
import json
import os
import time

import pytest

from support.fullstack import full_stack
from support.kyc import kyc_attestation

RECIPIENT = "TE2vQGQiihnDQ2qSi4guvFs2QXw3W3Nxrp"


class StackTuple(tuple):
    """(authority, devnet, gateway), with .sidecar and .directory."""


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    directory = tmp_path_factory.mktemp("fullstack")
    authority, devnet, server, sidecar, gateway = full_stack(directory, gateway_args=["--cors-origin", "https://ops.example"])
    value = StackTuple((authority, devnet, gateway))
    value.sidecar, value.directory = sidecar, directory
    yield value
    gateway.stop()
    sidecar.stop()
    server.stop()
    devnet.stop()


def test_node_operator_kyc_payout_is_confirmed_over_rest(stack):
    authority, devnet, gateway = stack
    operator = gateway.token("op-1", "node_operator")
    before = devnet.balance(RECIPIENT)["usdt_units"]
    kyc = kyc_attestation(authority, "rest-kyc-1", RECIPIENT, 250_000_000)
    status, headers, created = gateway.request("POST", "/api/payment/payouts", operator, {
        "idempotencyKey": "rest-kyc-1", "recipientAddress": RECIPIENT, "amountUnits": "250000000", "reason": "node reward",
        "kyc": {"kycVerified": True, "kycHash": kyc.kyc_hash, "nodeId": kyc.node_id,
                "complianceSignature": kyc.compliance_signature,
                "notAfterUnixSeconds": str(kyc.not_after_unix_seconds)}}, headers={"X-Request-ID": "req-rest-1"})
    assert status == 200, created
    assert headers["X-Request-ID"] == "req-rest-1"
    payout = created["payout"]
    assert payout["router"] == "ROUTER_TYPE_KYC" and payout["requestedBy"] == "ops/api-gateway/user:op-1"
    deadline = time.time() + 60
    while time.time() < deadline:
        status, _, current = gateway.request("GET", f"/api/payment/payouts/{payout['payoutId']}", operator)
        if current["status"] in ("PAYOUT_STATUS_CONFIRMED", "PAYOUT_STATUS_FAILED"):
            break
        time.sleep(0.5)
    assert current["status"] == "PAYOUT_STATUS_CONFIRMED", current
    assert devnet.balance(RECIPIENT)["usdt_units"] - before == 250_000_000
    status, _, tx = gateway.request("GET", f"/api/payment/payouts/{payout['payoutId']}/transaction", operator)
    assert status == 200 and int(tx["feeSun"]) > 0 and int(tx["blockNumber"]) > 0


def test_end_users_see_only_their_own_payouts(stack):
    _, _, gateway = stack
    operator = gateway.token("op-2", "node_operator")
    status, _, created = gateway.request("POST", "/api/payment/payouts", operator, {
        "idempotencyKey": "own-1", "recipientAddress": RECIPIENT, "amountUnits": "1000", "reason": "mine"})
    assert status == 200
    alice = gateway.token("alice", "end_user")
    status, _, body = gateway.request("GET", f"/api/payment/payouts/{created['payout']['payoutId']}", alice)
    assert status == 404 and body["code"] == 5
    status, _, body = gateway.request("GET", f"/api/payment/payouts/{created['payout']['payoutId']}/transaction", alice)
    assert status == 404
    status, _, listed = gateway.request("GET", "/api/payment/payouts?pageSize=100", alice)
    assert status == 200 and not listed.get("payouts")
    status, _, body = gateway.request("GET", "/api/payment/payouts?requestedBy=ops/api-gateway/user:op-2", alice)
    assert status == 403
    status, _, body = gateway.request("POST", "/api/payment/payouts", alice, {
        "idempotencyKey": "alice-1", "recipientAddress": RECIPIENT, "amountUnits": "1000", "reason": "x"})
    assert status == 403 and "payment:create" in body["message"]
    status, _, body = gateway.request("GET", "/api/payment/stats", operator)
    assert status == 403


def test_bad_requests_name_the_problem(stack):
    _, _, gateway = stack
    service = gateway.token("svc-1", "service")
    status, _, body = gateway.request("POST", "/api/payment/payouts", service, {
        "idempotencyKey": "typo-1", "recipientAdress": RECIPIENT, "amountUnits": "1000", "reason": "x"})
    assert status == 400 and body["message"] == 'unknown field "recipientAdress" in the request' and body["details"] == []
    status, _, body = gateway.request("POST", "/api/payment/payouts", service, {
        "idempotencyKey": "bad-1", "recipientAddress": "T123", "amountUnits": "1000", "reason": "x"})
    assert status == 400 and body["message"].startswith("recipient_address:")
    status, _, body = gateway.request("GET", "/api/payment/payouts/po_" + "0" * 32, service)
    assert status == 404
    status, _, body = gateway.request("GET", "/api/payment/payouts?pageSize=abc", service)
    assert status == 400 and "pageSize" in body["message"]
    status, _, body = gateway.request("GET", "/api/payment/payouts?colour=red", service)
    assert status == 400 and "colour" in body["message"]


def test_rate_limit_is_429_with_retry_after(stack):
    _, _, gateway = stack
    operator = gateway.token("op-rate", "node_operator")
    statuses = []
    for n in range(11):
        status, headers, body = gateway.request("POST", "/api/payment/payouts", operator, {
            "idempotencyKey": f"rate-{n}-{time.time()}", "recipientAddress": RECIPIENT, "amountUnits": "1", "reason": "r"})
        statuses.append(status)
    if statuses[-1] != 429:  # a minute boundary fell inside the burst: the window restarted; try once more
        for n in range(11):
            status, headers, body = gateway.request("POST", "/api/payment/payouts", operator, {
                "idempotencyKey": f"rate2-{n}-{time.time()}", "recipientAddress": RECIPIENT, "amountUnits": "1", "reason": "r"})
    assert status == 429, statuses
    assert int(headers["Retry-After"]) >= 1 and headers["RateLimit-Limit"] == "10" and headers["RateLimit-Remaining"] == "0"
    assert body["code"] == 8


def test_bad_tokens_are_401(stack):
    _, _, gateway = stack
    expired = gateway.token("op-1", "node_operator", lifetime=-10)
    status, headers, _ = gateway.request("GET", "/api/payment/payouts", expired)
    assert status == 401 and headers["WWW-Authenticate"].startswith("Bearer")
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).rstrip(b"=").decode()
    claims = base64.urlsafe_b64encode(json.dumps({"sub": "x", "role": "admin", "exp": int(time.time()) + 600,
                                                  "iss": "lucid-dev", "aud": "payment-api"}).encode()).rstrip(b"=").decode()
    status, _, _ = gateway.request("GET", "/api/payment/stats", f"{header}.{claims}.")
    assert status == 401
    status, _, _ = gateway.request("GET", "/api/payment/stats", None)
    assert status == 401


def test_openapi_and_health_are_public(stack):
    _, _, gateway = stack
    status, _, document = gateway.request("GET", "/api/payment/openapi.json")
    assert status == 200 and document["openapi"] == "3.0.3"
    status, _, health = gateway.request("GET", "/api/payment/health")
    assert status == 200 and health == {"status": "ok", "checks": {"gateway": "ok", "sidecar": "serving"}}


def test_cors_body_limit_and_metrics_only_on_the_admin_port(stack):
    _, _, gateway = stack
    status, headers, _ = gateway.request("OPTIONS", "/api/payment/payouts", headers={
        "Origin": "https://ops.example", "Access-Control-Request-Method": "POST"})
    assert status == 204 and headers["Access-Control-Allow-Origin"] == "https://ops.example"
    assert "Authorization" in headers["Access-Control-Allow-Headers"]
    status, headers, _ = gateway.request("GET", "/api/payment/health", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in headers
    service = gateway.token("svc-2", "service")
    status, _, body = gateway.request("POST", "/api/payment/payouts", service, b'{"reason": "' + b"x" * (2 << 20) + b'"}')
    assert status == 413
    status, _, _ = gateway.request("GET", "/api/payment/metrics")
    assert status == 404
    import urllib.request
    metrics = urllib.request.urlopen(f"http://127.0.0.1:{gateway.admin_port}/metrics").read().decode()
    assert "gateway_requests_total" in metrics


def test_jwks_tokens_and_algorithm_confusion(stack, tmp_path):
    import json
    from joserfc import jwt
    from joserfc.jwk import ECKey, OctKey, OKPKey, RSAKey
    from support.gateway import Gateway
    keys = {"es": ECKey.generate_key("P-256", parameters={"kid": "es"}),
            "rs": RSAKey.generate_key(2048, parameters={"kid": "rs"}),
            "ed": OKPKey.generate_key("Ed25519", parameters={"kid": "ed"})}
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [k.as_dict(private=False) for k in keys.values()]}))
    certs = stack.directory / "certs"
    gateway = Gateway(tmp_path, certs, stack.sidecar.port, extra=["--jwks", str(jwks)])
    gateway.args = [a for a in gateway.args if a not in ("--jwt-secret-file", str(gateway.secret))]
    gateway.start()
    try:
        import time as clock
        claims = {"sub": "jwks-user", "role": "service", "iss": "lucid-dev", "aud": "payment-api", "exp": int(clock.time()) + 600}
        for alg, name in (("ES256", "es"), ("RS256", "rs"), ("EdDSA", "ed")):
            token = jwt.encode({"alg": alg, "kid": name}, claims, keys[name], algorithms=[alg])
            status, _, body = gateway.request("GET", "/api/payment/payouts?pageSize=1", token)
            assert status == 200, (alg, body)
        wrong_aud = jwt.encode({"alg": "ES256", "kid": "es"}, {**claims, "aud": "other"}, keys["es"])
        assert gateway.request("GET", "/api/payment/payouts", wrong_aud)[0] == 401
        wrong_iss = jwt.encode({"alg": "ES256", "kid": "es"}, {**claims, "iss": "mallory"}, keys["es"])
        assert gateway.request("GET", "/api/payment/payouts", wrong_iss)[0] == 401
        early = jwt.encode({"alg": "ES256", "kid": "es"}, {**claims, "nbf": int(clock.time()) + 300}, keys["es"])
        assert gateway.request("GET", "/api/payment/payouts", early)[0] == 401
        # Algorithm confusion: an HS256 token whose secret is the RSA public key must not verify.
        public_pem = keys["rs"].as_pem(private=False)
        confused = jwt.encode({"alg": "HS256", "kid": "rs"}, claims, OctKey.import_key(public_pem))
        assert gateway.request("GET", "/api/payment/payouts", confused)[0] == 401
    finally:
        gateway.stop()


def test_node_operators_see_only_their_own_payouts(stack):
    _, _, gateway = stack
    first, second = gateway.token("op-own-1", "node_operator"), gateway.token("op-own-2", "node_operator")
    ids = {}
    for name, token in (("first", first), ("second", second)):
        status, _, created = gateway.request("POST", "/api/payment/payouts", token, {
            "idempotencyKey": f"own-op-{name}", "recipientAddress": RECIPIENT, "amountUnits": "1000", "reason": name})
        assert status == 200, created
        ids[name] = created["payout"]["payoutId"]
    status, _, body = gateway.request("GET", f"/api/payment/payouts/{ids['first']}", second)
    assert status == 404 and body["code"] == 5 and body["message"] == f"payout {ids['first']} does not exist"
    status, _, _ = gateway.request("GET", f"/api/payment/payouts/{ids['first']}/transaction", second)
    assert status == 404
    assert gateway.request("GET", f"/api/payment/payouts/{ids['second']}", second)[0] == 200
    status, _, listed = gateway.request("GET", "/api/payment/payouts?pageSize=100", second)
    assert status == 200 and [p["payoutId"] for p in listed["payouts"]] == [ids["second"]]
    status, _, _ = gateway.request("GET", "/api/payment/payouts?requestedBy=ops/api-gateway/user:op-own-1", second)
    assert status == 403
    status, _, bulk = gateway.request("POST", "/api/payment/payouts/transactions/bulk", second,
                                      {"payoutIds": [ids["first"], ids["second"]]})
    assert status == 200, bulk
    assert [s["payoutId"] for s in bulk["statuses"]] == [ids["second"]] and bulk["notFoundIds"] == [ids["first"]]
    service = gateway.token("svc-own", "service")
    status, _, everything = gateway.request("POST", "/api/payment/payouts/transactions/bulk", service,
                                            {"payoutIds": [ids["first"], ids["second"]]})
    assert status == 200 and len(everything["statuses"]) == 2


def health_burst(gateway, count, forwarded_for):
    statuses = []
    for n in range(count):
        statuses.append(gateway.request("GET", "/api/payment/health", headers={"X-Forwarded-For": forwarded_for(n)})[0])
    return statuses


def test_x_forwarded_for_does_not_dodge_the_health_limit(stack, tmp_path):
    from support.gateway import Gateway
    gateway = Gateway(tmp_path, stack.directory / "certs", stack.sidecar.port).start()
    try:
        statuses = health_burst(gateway, 125, lambda n: f"198.51.100.{n % 250}")
        if 429 not in statuses:  # a minute boundary fell inside the burst: the window restarted; try once more
            statuses = health_burst(gateway, 125, lambda n: f"198.51.100.{n % 250}")
        assert 429 in statuses and statuses.count(200) <= 121, statuses
    finally:
        gateway.stop()
    # Behind a configured proxy, its X-Forwarded-For names the client: distinct clients are counted apart.
    trusting = Gateway(tmp_path, stack.directory / "certs", stack.sidecar.port,
                       extra=["--trusted-proxy", "127.0.0.1/32"]).start()
    try:
        statuses = health_burst(trusting, 125, lambda n: f"6.6.6.6, 198.51.100.{n % 250}")
        assert statuses.count(429) == 0, statuses
        statuses = health_burst(trusting, 125, lambda n: f"203.0.113.{n % 250}, 198.51.100.7")
        if 429 not in statuses:  # a minute boundary again
            statuses = health_burst(trusting, 125, lambda n: f"203.0.113.{n % 250}, 198.51.100.7")
        assert 429 in statuses, "the caller's own left-most entries are not believed"
    finally:
        trusting.stop()


def start_refused(args):
    from support.paths import PAYMENT_GATEWAY
    from support.processes import run
    result = run([PAYMENT_GATEWAY, *args], capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    return result.stderr


def test_weak_or_conflicting_token_keys_stop_startup(stack, tmp_path):
    from support.gateway import Gateway
    weak = tmp_path / "weak.secret"
    weak.write_text("hunter2-but-longer-31-bytes-xx")
    os.chmod(weak, 0o600)
    gateway = Gateway(tmp_path, stack.directory / "certs", stack.sidecar.port)
    args = [a if a != str(gateway.secret) else str(weak) for a in gateway.args[1:]]
    stderr = start_refused(args)
    assert f"--jwt-secret-file {weak}" in stderr and "at least 32" in stderr, stderr
    assert "hunter2" not in stderr, "the secret is never printed"
    jwks = tmp_path / "jwks.json"
    jwks.write_text('{"keys": []}')
    stderr = start_refused(gateway.args[1:] + ["--jwks", str(jwks)])
    assert "--jwt-secret-file and --jwks are exclusive" in stderr, stderr


def test_treasury_is_admin_only_and_reaches_the_hot_wallet_through_the_sidecar(stack):
    _, _, gateway = stack
    for role in ("service", "node_operator", "end_user"):
        token = gateway.token(f"{role}-t", role)
        for method, path, body in [
            ("GET", "/api/payment/treasury/wallet", None),
            ("POST", "/api/payment/treasury/stake", {"idempotencyKey": "g-1", "amountSun": "1000000"}),
        ]:
            status, _, answer = gateway.request(method, path, token, body)
            assert status == 403 and "payment:treasury" in answer["message"], (role, path, status, answer)
    admin = gateway.token("treasurer", "admin")
    status, _, wallet = gateway.request("GET", "/api/payment/treasury/wallet", admin)
    assert status == 200 and wallet["address"].startswith("T") and int(wallet["trxSun"]) > 0, wallet
    status, _, staked = gateway.request("POST", "/api/payment/treasury/stake", admin, {
        "idempotencyKey": "gateway-stake-1", "amountSun": "2000000", "resource": "STAKE_RESOURCE_BANDWIDTH"})
    assert status == 200 and staked["operationId"].startswith("tr_"), staked
    assert staked["requestedBy"] == "ops/api-gateway/user:treasurer"
    status, _, again = gateway.request("GET", f"/api/payment/treasury/operations/{staked['operationId']}", admin)
    assert status == 200 and again["txid"] == staked["txid"]
