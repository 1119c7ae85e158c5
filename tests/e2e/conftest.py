"""pytest entry of the end-to-end tests: fixtures over the helpers in support/ (which also makes the generated grpcio
stubs importable). Tests start the built binaries (LUCID_BIN_DIR) and talk to them with independent clients."""
import pathlib
import tempfile

import pytest

import support  # noqa: F401 (puts the generated stubs on sys.path before any test module imports them)
from support.payment_rpc import PaymentRPCProcess


@pytest.fixture
def state_dir():
    with tempfile.TemporaryDirectory(prefix="payment-rpc-e2e-") as directory:
        yield pathlib.Path(directory)


@pytest.fixture
def server(state_dir):
    process = PaymentRPCProcess(state_dir).start()
    yield process
    process.stop()
