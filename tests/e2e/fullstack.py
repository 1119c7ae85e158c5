"""All four processes: tron-devnet, payment-rpc (paying), beta-sidecar (mTLS, the shipped ACL), payment-gateway."""
import base64
import json
import os
import pathlib
import signal
import subprocess
import time
import urllib.error
import urllib.request

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from conftest_paths import BIN_DIR, ROOT, free_port
from paying import paying_stack
from sidecar import Sidecar, make_certs


class Gateway:
    def __init__(self, directory, certs, sidecar_port, extra=()):
        self.directory = directory
        self.port = free_port()
        self.admin_port = free_port()
        self.secret = directory / "jwt.secret"
        self.secret.write_text(base64.b64encode(os.urandom(32)).decode())
        os.chmod(self.secret, 0o600)
        self.args = [str(BIN_DIR / "payment-gateway"), "--listen", f"127.0.0.1:{self.port}",
                     "--admin-listen", f"127.0.0.1:{self.admin_port}", "--sidecar", f"localhost:{sidecar_port}",
                     "--cert", str(certs / "ops-api-gateway.pem"), "--key", str(certs / "ops-api-gateway.key"),
                     "--ca", str(certs / "ca.pem"), "--jwt-secret-file", str(self.secret),
                     "--openapi-dir", str(ROOT / "openapi"), *extra]
        self.process = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        log = open(self.directory / "gateway.log", "ab")
        self.process = subprocess.Popen(self.args, stdout=log, stderr=log)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/api/payment/health", timeout=1)
                return self
            except urllib.error.HTTPError:
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("payment-gateway did not start")

    def token(self, subject, role, lifetime=3600):
        return subprocess.run([str(BIN_DIR / "payment-gateway"), "token", "--jwt-secret-file", str(self.secret),
                               "--subject", subject, "--role", role, f"--lifetime-seconds={lifetime}"],
                              capture_output=True, text=True, check=True).stdout.strip()

    def request(self, method, path, token=None, body=None, headers=None):
        data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method)
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                return response.status, dict(response.headers), json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), json.loads(error.read() or b"null")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=20)


def full_stack(directory: pathlib.Path, gateway_args=(), rpc_env=None):
    authority = Ed25519PrivateKey.generate()
    public = authority.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    socket = directory / "payment-rpc.sock"
    devnet, server = paying_stack(directory, extra_env={
        "PAYMENT_RPC_COMPLIANCE_AUTHORITY_PUBLIC_KEY": public, "PAYMENT_RPC_GRPC_UNIX_SOCKET": str(socket),
        # As config/development.yaml: the gateway's operators may use AdminService (checked inside payment-rpc).
        "PAYMENT_RPC_ADMIN_ALLOWED_CALLERS": "ops/api-gateway",
        **(rpc_env or {})})
    certs = make_certs(directory / "certs", "ops/api-gateway", "wallet/tron-payment")
    sidecar = Sidecar(directory, certs, f"unix:{socket}", str(ROOT / "acl" / "wallet_plane.acl")).start()
    gateway = Gateway(directory, certs, sidecar.port, extra=gateway_args).start()
    return authority, devnet, server, sidecar, gateway
