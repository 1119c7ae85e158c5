"""Helpers of the end-to-end tests: where the built binaries are (paths), free ports (ports), starting and stopping
the servers with a clean environment (processes, payment_rpc, devnet, sidecar, gateway), the stacks built from them
(paying, fullstack), KYC approvals (kyc), payout polling (payouts) and the schemathesis hooks.

Importing the package makes the grpcio stubs that tests/e2e/gen_stubs.sh generates importable as `lucid.…`.
"""
import sys

from support.paths import GEN_DIR

if str(GEN_DIR) not in sys.path:
    sys.path.insert(0, str(GEN_DIR))
