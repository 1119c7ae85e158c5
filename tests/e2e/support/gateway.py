"""Starts payment-gateway (REST, HS256 tokens from a fresh secret) in front of a beta-sidecar, and calls it."""
import base64
import json
import os
import time
import urllib.error
import urllib.request

from support.paths import OPENAPI_DIR, PAYMENT_GATEWAY
from support.ports import free_port
from support.processes import run, spawn, terminate


class Gateway:
    def __init__(self, directory, certs, sidecar_port, extra=()):
        self.directory = directory
        self.port = free_port()
        self.admin_port = free_port()
        self.secret = directory / "jwt.secret"
        self.secret.write_text(base64.b64encode(os.urandom(32)).decode())
        os.chmod(self.secret, 0o600)
        self.args = [PAYMENT_GATEWAY, "--listen", f"127.0.0.1:{self.port}",
                     "--admin-listen", f"127.0.0.1:{self.admin_port}", "--sidecar", f"localhost:{sidecar_port}",
                     "--cert", str(certs / "ops-api-gateway.pem"), "--key", str(certs / "ops-api-gateway.key"),
                     "--ca", str(certs / "ca.pem"), "--jwt-secret-file", str(self.secret),
                     "--openapi-dir", str(OPENAPI_DIR), *extra]
        self.process = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.process = spawn(self.args, self.directory / "gateway.log")
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
        return run([PAYMENT_GATEWAY, "token", "--jwt-secret-file", str(self.secret),
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
        terminate(self.process)
