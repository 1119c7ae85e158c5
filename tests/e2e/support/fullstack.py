"""All four processes: tron-devnet, payment-rpc (paying), beta-sidecar (mTLS, the shipped ACL), payment-gateway."""
import pathlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from support.gateway import Gateway
from support.paths import WALLET_PLANE_ACL
from support.paying import paying_stack
from support.sidecar import Sidecar, make_certs


def full_stack(directory: pathlib.Path, gateway_args=(), rpc_env=None):
    authority = Ed25519PrivateKey.generate()
    public = authority.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    socket = directory / "payment-rpc.sock"
    devnet, server = paying_stack(directory, extra_env={
        "PAYMENT_RPC_COMPLIANCE_AUTHORITY_PUBLIC_KEY": public, "PAYMENT_RPC_GRPC_UNIX_SOCKET": str(socket),
        # As config/development.yaml: the gateway's operators may use AdminService (checked inside payment-rpc).
        "PAYMENT_RPC_ADMIN_ALLOWED_CALLERS": "ops/api-gateway",
        "PAYMENT_RPC_TREASURY_ALLOWED_CALLERS": "ops/api-gateway",
        **(rpc_env or {})})
    certs = make_certs(directory / "certs", "ops/api-gateway", "wallet/tron-payment")
    sidecar = Sidecar(directory, certs, f"unix:{socket}", str(WALLET_PLANE_ACL)).start()
    gateway = Gateway(directory, certs, sidecar.port, extra=gateway_args).start()
    return authority, devnet, server, sidecar, gateway
