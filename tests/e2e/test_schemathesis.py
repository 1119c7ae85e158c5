"""schemathesis (an independent OpenAPI fuzzer) against the live gateway of the whole stack, with a valid admin JWT:
no 5xx, and every response matches the generated document (status codes, content types, schemas). Bounded in
examples and time."""
import subprocess

from conftest_paths import ROOT
from fullstack import full_stack


def test_schemathesis_finds_no_server_errors_and_no_undocumented_responses(tmp_path):
    _, devnet, server, sidecar, gateway = full_stack(tmp_path, gateway_args=["--no-rate-limits"])
    try:
        token = gateway.token("fuzzer", "admin")
        result = subprocess.run(
            ["st", "run", str(ROOT / "openapi" / "payment.openapi.yaml"), "--url", gateway.url,
             "-H", f"Authorization: Bearer {token}",
             "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
             "--max-examples", "15", "--phases", "examples,coverage,fuzzing", "--workers", "2",
             "--request-timeout", "10", "--generation-deterministic", "--max-failures", "20"],
            capture_output=True, text=True, timeout=600)
        print(result.stdout[-6000:])
        assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    finally:
        gateway.stop()
        sidecar.stop()
        server.stop()
        devnet.stop()
