"""Where the repository, the generated stubs and the built binaries are; nothing here depends on the working directory.

The binaries are taken from LUCID_BIN_DIR (`swift build --show-bin-path`), by default the repository's .build/debug.
Each binary path is a string, ready to be the first element of an argument list.
"""
import os
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[3]
GEN_DIR = ROOT / "tests" / "e2e" / "gen"
BIN_DIR = pathlib.Path(os.environ.get("LUCID_BIN_DIR", str(ROOT / ".build" / "debug")))

PAYMENT_RPC = str(BIN_DIR / "payment-rpc")
BETA_SIDECAR = str(BIN_DIR / "beta-sidecar")
PAYMENT_GATEWAY = str(BIN_DIR / "payment-gateway")
TRON_DEVNET = str(BIN_DIR / "tron-devnet")
PAYCTL = str(BIN_DIR / "payctl")

WALLET_PLANE_ACL = ROOT / "acl" / "wallet_plane.acl"
OPENAPI_DIR = ROOT / "openapi"
