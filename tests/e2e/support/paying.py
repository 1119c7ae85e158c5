"""A paying stack for tests: tron-devnet with a funded hot wallet, and payment-rpc with the processor on."""
import os
import pathlib
import stat

from support.payment_rpc import PaymentRPCProcess
from support.devnet import Devnet

HOT_KEY = "a3c1f0e2b4d6c8e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708"


def hot_address():
    from tronpy.keys import PrivateKey
    return PrivateKey(bytes.fromhex(HOT_KEY)).public_key.to_base58check_address()


def write_key_file(directory: pathlib.Path) -> pathlib.Path:
    path = directory / "hot-wallet.key"
    path.write_text(HOT_KEY + "\n")
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    return path


def paying_stack(directory: pathlib.Path, usdt_units=10_000_000_000, trx_sun=100_000_000_000, block_interval_ms=300,
                 extra_env=None, devnet_args=()):
    devnet = Devnet(directory, fund=[(hot_address(), trx_sun, usdt_units)], block_interval_ms=block_interval_ms,
                    extra_args=devnet_args).start()
    server = PaymentRPCProcess(directory, extra_env={**paying_env(devnet, directory), **(extra_env or {})}).start()
    return devnet, server


def paying_env(devnet, directory: pathlib.Path) -> dict:
    """payment-rpc's variables for paying on `devnet` with the hot wallet (key file written into `directory`)."""
    return {
        "PAYMENT_RPC_PROCESSOR_ENABLED": "true",
        "PAYMENT_RPC_PROCESSOR_POLL_INTERVAL_MS": "200",
        "PAYMENT_RPC_TRON_NODE_URL": devnet.url,
        "PAYMENT_RPC_TRON_REQUEST_TIMEOUT_MS": "2000",
        "PAYMENT_RPC_WALLET_KEY_FILE": str(write_key_file(directory)),
        "PAYMENT_RPC_LIMITS_DAILY_UNITS": "900000000000",
        "PAYMENT_RPC_LIMITS_HOURLY_UNITS": "800000000000",
        "PAYMENT_RPC_LIMITS_V0_MAX_UNITS": "1000000000",
    }
