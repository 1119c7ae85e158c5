"""The helpers' own guarantees: servers never inherit the caller's server variables, and paths are the repository's."""
import os

from support.paths import BIN_DIR, PAYMENT_RPC, ROOT
from support.processes import SERVER_PREFIXES, run, server_environment


def test_server_environment_drops_every_inherited_server_variable_and_keeps_the_explicit_ones(monkeypatch):
    for prefix in SERVER_PREFIXES:
        monkeypatch.setenv(f"{prefix}INHERITED", "from the caller")
    monkeypatch.setenv("LUCID_E2E_UNRELATED", "kept")
    env = server_environment({"PAYMENT_RPC_GRPC_LISTEN": "127.0.0.1:1"})
    assert not [name for name in env if name.startswith(SERVER_PREFIXES) and name != "PAYMENT_RPC_GRPC_LISTEN"]
    assert env["PAYMENT_RPC_GRPC_LISTEN"] == "127.0.0.1:1"
    assert env["LUCID_E2E_UNRELATED"] == "kept" and env["PATH"] == os.environ["PATH"]


def test_a_started_binary_sees_only_the_variables_the_test_set(monkeypatch):
    monkeypatch.setenv("PAYMENT_RPC_INHERITED", "from the caller")
    printed = run(["env"], env={"BETA_SIDECAR_EXPLICIT": "set by the test"}, capture_output=True, text=True, check=True)
    names = [line.split("=", 1)[0] for line in printed.stdout.splitlines()]
    assert "BETA_SIDECAR_EXPLICIT" in names and "PAYMENT_RPC_INHERITED" not in names


def test_paths_are_the_repository_and_the_bin_dir_whatever_the_working_directory():
    assert (ROOT / "Package.swift").is_file() and (ROOT / "tests" / "e2e" / "conftest.py").is_file()
    assert PAYMENT_RPC == str(BIN_DIR / "payment-rpc")
