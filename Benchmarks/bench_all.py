"""Every benchmark of issue 14 in one run on this machine, each figure beside its peer: scripts/bench-all.sh.

Sections (each prints its figures; all of them are written as JSON to --json):
  fsync      the disk's fsync latency, measured first (4 KiB append + fsync in the ledger's directory)
  startup    exec → ready and idle RSS of payment-rpc, beta-sidecar and payment-gateway
  transport  unary grpc.health.v1.Health/Check with h2load (a neutral C client): payment-rpc, grpc-noop
             (grpc-swift-2 alone, SERVING from memory), grpc-go's stock health server, grpcio asyncio
  create     CreatePayout (durable, SQLite) at 1/16/64 callers and at 1,000/s offered (payment-bench)
  hop        the sidecar hop: hop-bench direct, through beta-sidecar (mTLS), through nginx grpc_pass (mTLS)
  gateway    GET /api/payment/payouts/{id} with wrk: payment-gateway → beta-sidecar → payment-rpc, beside the
             FastAPI + uvicorn peer (Benchmarks/peers/fastapi_gateway.py) through the same sidecar; CPU per request
             in each process from /proc/PID/stat

Programs come from --bin (release payment-rpc, beta-sidecar, payment-gateway, payment-bench, hop-bench, grpc-noop)
and --peers (grpc-go-health). Servers listen on loopback ports picked free; everything is stopped at the end.
"""

import argparse
import contextlib
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (and its threads) so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * PAGE / 2**20


class Process:
    """A server started in the background, its output in WORK/NAME.log; stopped by `stop`."""

    def __init__(self, work: str, name: str, argv: list[str], env: dict | None = None):
        self.name = name
        self.log_path = os.path.join(work, f"{name}.log")
        self.log = open(self.log_path, "wb")
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            argv, stdout=self.log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}, cwd=ROOT)
        self.pid = self.process.pid
        self.peak_rss = 0.0

    def wait_ready(self, probe, timeout: float = 30.0) -> float:
        """Polls `probe` every 2 ms; returns seconds from exec to the first success (the start-up time)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.process.returncode}); see {self.log_path}:\n"
                                   + open(self.log_path, errors="replace").read()[-2000:])
            if probe():
                return time.monotonic() - self.started
            time.sleep(0.002)
        raise RuntimeError(f"{self.name} not ready after {timeout} s; see {self.log_path}")

    def sample_rss(self) -> float:
        value = rss_mib(self.pid)
        self.peak_rss = max(self.peak_rss, value)
        return value

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def http_ok(url: str):
    def probe():
        try:
            with urllib.request.urlopen(url, timeout=0.5) as answer:
                return answer.status == 200
        except Exception:
            return False
    return probe


def tcp_open(port: int):
    def probe():
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
        return False
    return probe


def health_serving(port: int) -> bool:
    """One Health/Check with grpcio, so that h2load's HTTP 200s are known to be gRPC OK and SERVING."""
    import grpc
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        check = channel.unary_unary("/grpc.health.v1.Health/Check")
        return check(b"", timeout=5) == b"\x08\x01"


class Sampler:
    """Samples the RSS of processes every 100 ms while a load runs (peak under load)."""

    def __init__(self, processes):
        self.processes = processes

    def __enter__(self):
        import threading
        self.stop_flag = threading.Event()

        def loop():
            while not self.stop_flag.is_set():
                for p in self.processes:
                    with contextlib.suppress(Exception):
                        p.sample_rss()
                self.stop_flag.wait(0.1)
        self.thread = threading.Thread(target=loop, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_flag.set()
        self.thread.join()


class Profiled:
    """With --profile DIR: `perf record -g` of each process while the load runs, reported per DSO and symbol into
    DIR/LABEL-PROCESS.txt (perf from Debian's linux-perf)."""

    def __init__(self, args, label: str, processes):
        self.directory = args.profile
        self.label = label
        self.processes = processes
        self.recorders = []

    def __enter__(self):
        if not self.directory:
            return self
        os.makedirs(self.directory, exist_ok=True)
        for p in self.processes:
            data = os.path.join(self.directory, f"{self.label}-{p.name}.perf.data")
            self.recorders.append((p, data, subprocess.Popen(
                ["perf", "record", "-F", "499", "-g", "-o", data, "-p", str(p.pid)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)))
        time.sleep(0.3)
        return self

    def __exit__(self, *exc):
        import signal
        for p, data, recorder in self.recorders:
            recorder.send_signal(signal.SIGINT)
            recorder.wait(30)
            report = subprocess.run(
                ["perf", "report", "-i", data, "--no-children", "--sort", "dso,sym", "-g", "none", "--stdio"],
                capture_output=True, text=True).stdout
            dsos = subprocess.run(
                ["perf", "report", "-i", data, "--no-children", "--sort", "dso", "-g", "none", "--stdio"],
                capture_output=True, text=True).stdout
            path = os.path.join(self.directory, f"{self.label}-{p.name}.txt")
            with open(path, "w") as f:
                f.write("# by DSO\n" + dsos + "\n# by DSO and symbol\n" + report)
            os.unlink(data)
            print(f"    profile of {p.name}: {path}")


def run(argv, **kwargs) -> str:
    result = subprocess.run(argv, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result.stdout


# --- sections

def measure_fsync(directory: str, count: int = 2000) -> dict:
    path = os.path.join(directory, "fsync.probe")
    block = os.urandom(4096)
    latencies = []
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for _ in range(count):
            began = time.perf_counter()
            os.write(fd, block)
            os.fsync(fd)
            latencies.append((time.perf_counter() - began) * 1000)
    finally:
        os.close(fd)
        os.unlink(path)
    latencies.sort()
    return {"count": count, "p50_ms": latencies[count // 2], "p99_ms": latencies[count * 99 // 100]}


def h2load(port: int, seconds: float, clients: int = 4, streams: int = 16, work: str = "/tmp") -> dict:
    body = os.path.join(work, "health-check.bin")
    with open(body, "wb") as f:
        f.write(b"\x00\x00\x00\x00\x00")  # uncompressed, length 0: HealthCheckRequest{service: ""}
    out = run(["h2load", "-D", str(max(1, round(seconds))), "-c", str(clients), "-m", str(streams), "-t", "1", "-d", body,
               "-H", "content-type: application/grpc", "-H", "te: trailers",
               f"http://127.0.0.1:{port}/grpc.health.v1.Health/Check"])
    rps = float(re.search(r"finished in [\d.]+\w*, ([\d.]+) req/s", out).group(1))
    succeeded = int(re.search(r"(\d+) succeeded", out).group(1))
    failed = int(re.search(r"(\d+) failed", out).group(1))
    line = re.search(r"time for request:\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)", out)

    def ms(text: str) -> float:
        value = float(re.match(r"[\d.]+", text).group(0))
        return value / 1000 if text.endswith("us") else value * 1000 if text.endswith("s") and not text.endswith(
            "ms") else value
    return {"rps": rps, "succeeded": succeeded, "failed": failed, "mean_ms": ms(line.group(3))}


def transport_section(args, work, results):
    print("\n== transport: unary Health/Check, h2load -c4 -m16 (a neutral C client), "
          f"{args.seconds} s each")
    servers = {}

    def payment_rpc(name, binary, extra_env=None):
        port, admin = free_port(), free_port()
        servers[name] = ([f"{binary}/payment-rpc"], {
            "PAYMENT_RPC_STORE_SQLITE_PATH": f"{work}/transport-{len(servers)}.sqlite",
            "PAYMENT_RPC_GRPC_LISTEN": f"127.0.0.1:{port}", "PAYMENT_RPC_ADMIN_LISTEN": f"127.0.0.1:{admin}",
            "PAYMENT_RPC_LOG_LEVEL": "warning", **(extra_env or {})}, port)

    payment_rpc("payment-rpc", args.bin)
    if args.before_bin:
        payment_rpc("payment-rpc before", args.before_bin)
    for name, extra in (("grpc-noop (grpc-swift-2)", []), ("grpc-noop, event loops", ["--concurrency-on-event-loops"])):
        port = free_port()
        servers[name] = ([f"{args.bin}/grpc-noop", "--listen", f"127.0.0.1:{port}"] + extra, {}, port)
    go_port = free_port()
    servers["grpc-go"] = ([f"{args.peers}/grpc-go-health", f"127.0.0.1:{go_port}"], {}, go_port)
    py_port = free_port()
    servers["grpcio asyncio"] = ([sys.executable, f"{HERE}/peers/grpcio_health.py", f"127.0.0.1:{py_port}"], {},
                                 py_port)
    figures = {}
    for name, (argv, env, port) in servers.items():
        server = Process(work, re.sub(r"\W+", "-", name), argv, env)
        try:
            server.wait_ready(tcp_open(port))
            if not health_serving(port):
                raise RuntimeError(f"{name} did not answer SERVING")
            h2load(port, 1, work=work)  # warm-up
            cpu_before = cpu_seconds(server.pid)
            with Sampler([server]), Profiled(args, "transport", [server] if name == "payment-rpc" else []):
                figure = h2load(port, args.seconds, work=work)
            cpu = cpu_seconds(server.pid) - cpu_before
            if figure["failed"] or not figure["succeeded"]:
                raise RuntimeError(f"{name}: h2load counted {figure['failed']} failed, {figure['succeeded']} succeeded")
            figure["server_cpu_us_per_call"] = cpu / max(1, figure["succeeded"]) * 1e6
            figure["rss_peak_mib"] = server.peak_rss
            figures[name] = figure
            print(f"  {name:26} {figure['rps']:9.0f} calls/s  mean {figure['mean_ms']:.2f} ms  "
                  f"server CPU {figure['server_cpu_us_per_call']:.0f} µs/call  RSS {server.peak_rss:.0f} MiB"
                  f"  ({figure['failed']} failed)")
        finally:
            server.stop()
    go = figures["grpc-go"]["rps"]
    for name in (n for n in figures if n != "grpc-go"):
        print(f"  {name} ÷ grpc-go: {figures[name]['rps'] / go:.2f}")
    results["transport"] = figures


def parse_payment_bench(out: str) -> dict:
    figures = {}
    for line in out.splitlines():
        m = re.match(r"CreatePayout, (.+?): (\d+) ok, (\d+) errors, (\d+)/s, p50 ([\d.]+) ms, p99 ([\d.]+) ms", line)
        if m:
            label = m.group(1).replace(" concurrent callers", " callers")
            figures[label] = {"ok": int(m.group(2)), "errors": int(m.group(3)), "per_second": int(m.group(4)),
                              "p50_ms": float(m.group(5)), "p99_ms": float(m.group(6))}
    return figures


def create_section(args, work, results):
    print(f"\n== CreatePayout, durable SQLite (WAL, synchronous=FULL), payment-bench, {args.seconds} s per level")
    results["create"] = create_run(args, work, results, args.bin, "create")
    if args.before_bin:
        print("  payment-rpc before:")
        results["create_before"] = create_run(args, work, results, args.before_bin, "create-before")


def create_run(args, work, results, binary, label) -> dict:
    port, admin = free_port(), free_port()
    server = Process(work, f"{label}-rpc", [f"{binary}/payment-rpc"], {
        "PAYMENT_RPC_STORE_SQLITE_PATH": f"{work}/{label}.sqlite", "PAYMENT_RPC_GRPC_LISTEN": f"127.0.0.1:{port}",
        "PAYMENT_RPC_ADMIN_LISTEN": f"127.0.0.1:{admin}", "PAYMENT_RPC_LOG_LEVEL": "warning",
        "PAYMENT_RPC_LIMITS_DAILY_UNITS": "9000000000000000", "PAYMENT_RPC_LIMITS_HOURLY_UNITS": "8000000000000000"})
    try:
        server.wait_ready(http_ok(f"http://127.0.0.1:{admin}/ready"))
        with Sampler([server]), Profiled(args, label, [server]):
            out = run([f"{args.bin}/payment-bench", "--target", f"127.0.0.1:{port}", "--seconds", str(args.seconds),
                       "--rate", "1000", "--batches", "0"])
        figures = parse_payment_bench(out)
        if len(figures) < 4 or any(f["errors"] for f in figures.values()):
            raise RuntimeError(f"payment-bench reported errors or missing levels:\n{out}")
        figures["rss_peak_mib"] = server.peak_rss
    finally:
        server.stop()
    fsync = results["fsync"]["p50_ms"]
    for label, figure in figures.items():
        if isinstance(figure, dict):
            print(f"  {label:20} {figure['per_second']:6d}/s  p50 {figure['p50_ms']:.2f} ms  "
                  f"p99 {figure['p99_ms']:.2f} ms  ({figure['errors']} errors)")
    one = figures["1 callers"]["p50_ms"]
    print(f"  1 caller p50 ÷ fsync p50 ({fsync:.3f} ms): {one / fsync:.1f}×")
    return figures


def issue_certs(args, work) -> str:
    certs = os.path.join(work, "certs")
    run([f"{args.bin}/beta-sidecar", "certs", "--dir", certs, "--issue", "ops/api-gateway",
         "--issue", "wallet/tron-payment"])
    return certs


def hop_section(args, work, results, certs):
    print(f"\n== sidecar hop: hop-bench, 64 concurrent streams, unary Health/Check, {args.seconds} s each")
    port, admin = free_port(), free_port()
    rpc = Process(work, "hop-rpc", [f"{args.bin}/payment-rpc"], {
        "PAYMENT_RPC_STORE_SQLITE_PATH": f"{work}/hop.sqlite", "PAYMENT_RPC_GRPC_LISTEN": f"127.0.0.1:{port}",
        "PAYMENT_RPC_ADMIN_LISTEN": f"127.0.0.1:{admin}", "PAYMENT_RPC_LOG_LEVEL": "warning"})
    side_port, side_admin = free_port(), free_port()
    sidecar = Process(work, "hop-sidecar", [
        f"{args.bin}/beta-sidecar", "run", "--listen", f"127.0.0.1:{side_port}", "--admin-listen",
        f"127.0.0.1:{side_admin}", "--upstream", f"127.0.0.1:{port}", "--cert", f"{certs}/wallet-tron-payment.pem",
        "--key", f"{certs}/wallet-tron-payment.key", "--ca", f"{certs}/ca.pem", "--log-level", "warning"])
    nginx_port = free_port()
    nginx_dir = os.path.join(work, "nginx")
    os.makedirs(os.path.join(nginx_dir, "logs"))
    conf = os.path.join(nginx_dir, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""worker_processes auto;
pid {nginx_dir}/nginx.pid;
error_log {nginx_dir}/logs/error.log warn;
daemon off;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {nginx_dir}/logs; proxy_temp_path {nginx_dir}/logs; fastcgi_temp_path {nginx_dir}/logs;
  uwsgi_temp_path {nginx_dir}/logs; scgi_temp_path {nginx_dir}/logs;
  upstream payment {{ server 127.0.0.1:{port}; keepalive 16; keepalive_requests 100000000; }}
  server {{
    listen 127.0.0.1:{nginx_port} ssl http2;
    ssl_certificate {certs}/wallet-tron-payment.pem;
    ssl_certificate_key {certs}/wallet-tron-payment.key;
    ssl_client_certificate {certs}/ca.pem;
    ssl_verify_client on;
    keepalive_requests 100000000;
    location / {{ grpc_pass grpc://payment; }}
  }}
}}
""")
    nginx = Process(work, "hop-nginx", ["nginx", "-p", nginx_dir, "-c", conf])
    figures = {}
    try:
        rpc.wait_ready(http_ok(f"http://127.0.0.1:{admin}/ready"))
        sidecar.wait_ready(http_ok(f"http://127.0.0.1:{side_admin}/ready"))
        nginx.wait_ready(tcp_open(nginx_port))
        mtls = ["--cert", f"{certs}/ops-api-gateway.pem", "--key", f"{certs}/ops-api-gateway.key",
                "--ca", f"{certs}/ca.pem"]
        for name, target, extra, proxy in (
            ("direct (h2c)", f"127.0.0.1:{port}", [], None),
            ("beta-sidecar (mTLS)", f"localhost:{side_port}", mtls, sidecar),
            ("nginx grpc_pass (mTLS)", f"localhost:{nginx_port}", mtls, nginx),
        ):
            with Profiled(args, "hop", [proxy] if proxy is sidecar else []):
                out = run([f"{args.bin}/hop-bench", "--target", target, "--seconds", str(args.seconds), "--name", name]
                          + extra)
            m = re.search(r"(\d+) ok, (\d+) errors, (\d+) calls/s, p50 ([\d.]+) ms, p99 ([\d.]+) ms", out)
            if not m or int(m.group(2)):
                raise RuntimeError(f"hop-bench through {name} reported errors:\n{out}")
            figures[name] = {"ok": int(m.group(1)), "errors": int(m.group(2)), "per_second": int(m.group(3)),
                             "p50_ms": float(m.group(4)), "p99_ms": float(m.group(5))}
            print(f"  {name:24} {m.group(3):>7} calls/s  p50 {m.group(4)} ms  p99 {m.group(5)} ms  "
                  f"({m.group(2)} errors)")
    finally:
        for p in (nginx, sidecar, rpc):
            p.stop()
    side, ngx = figures["beta-sidecar (mTLS)"], figures["nginx grpc_pass (mTLS)"]
    print(f"  beta-sidecar ÷ nginx: throughput {side['per_second'] / ngx['per_second']:.2f}, "
          f"p99 {side['p99_ms'] / ngx['p99_ms']:.2f}")
    results["hop"] = figures


def wrk(url: str, token: str, seconds: float) -> dict:
    out = run(["wrk", "-t2", "-c64", f"-d{max(1, round(seconds))}s", "--latency", "-H", f"Authorization: Bearer {token}", url])
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)

    def latency(p):
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out)
        value = float(m.group(1))
        return value / 1000 if m.group(2) == "us" else value * 1000 if m.group(2) == "s" else value
    return {"rps": rps, "requests": total, "non_2xx": int(non2xx.group(1)) if non2xx else 0,
            "p50_ms": latency(50), "p99_ms": latency(99)}


def gateway_section(args, work, results, certs):
    print(f"\n== gateway: GET /api/payment/payouts/{{id}}, wrk -t2 -c64, {args.seconds} s each; one service token for"
          " the whole run (payment-gateway verifies it once and keeps it; the FastAPI peer verifies every request)")
    secret = os.path.join(work, "jwt.secret")
    fd = os.open(secret, os.O_WRONLY | os.O_CREAT, 0o600)
    import base64
    os.write(fd, base64.b64encode(os.urandom(32)) + b"\n")
    os.close(fd)
    port, admin = free_port(), free_port()
    sock = os.path.join(work, "rpc.sock")
    rpc = Process(work, "gw-rpc", [f"{args.bin}/payment-rpc"], {
        "PAYMENT_RPC_STORE_SQLITE_PATH": f"{work}/gateway.sqlite", "PAYMENT_RPC_GRPC_LISTEN": f"127.0.0.1:{port}",
        "PAYMENT_RPC_ADMIN_LISTEN": f"127.0.0.1:{admin}", "PAYMENT_RPC_GRPC_UNIX_SOCKET": sock,
        "PAYMENT_RPC_LOG_LEVEL": "warning"})
    rpc_ready = rpc.wait_ready(http_ok(f"http://127.0.0.1:{admin}/ready"))
    side_port, side_admin = free_port(), free_port()
    sidecar = Process(work, "gw-sidecar", [
        f"{args.bin}/beta-sidecar", "run", "--listen", f"127.0.0.1:{side_port}", "--admin-listen",
        f"127.0.0.1:{side_admin}", "--admin-grpc-listen", f"127.0.0.1:{free_port()}", "--upstream", f"unix:{sock}",
        "--cert", f"{certs}/wallet-tron-payment.pem", "--key", f"{certs}/wallet-tron-payment.key",
        "--ca", f"{certs}/ca.pem", "--log-level", "warning"])
    gw_port, gw_admin = free_port(), free_port()
    gateway = Process(work, "gw-gateway", [
        f"{args.bin}/payment-gateway", "--listen", f"127.0.0.1:{gw_port}", "--admin-listen", f"127.0.0.1:{gw_admin}",
        "--sidecar", f"localhost:{side_port}", "--cert", f"{certs}/ops-api-gateway.pem",
        "--key", f"{certs}/ops-api-gateway.key", "--ca", f"{certs}/ca.pem", "--jwt-secret-file", secret,
        "--no-rate-limits", "--log-level", "warning"])
    peer_port = free_port()
    peer = None
    try:
        sidecar_ready = sidecar.wait_ready(http_ok(f"http://127.0.0.1:{side_admin}/ready"))
        gateway_ready = gateway.wait_ready(http_ok(f"http://127.0.0.1:{gw_port}/api/payment/health"))
        time.sleep(1)
        startup = {}
        for name, process, ready in (("payment-rpc", rpc, rpc_ready), ("beta-sidecar", sidecar, sidecar_ready),
                                     ("payment-gateway", gateway, gateway_ready)):
            startup[name] = {"ready_s": ready, "idle_rss_mib": rss_mib(process.pid)}
            print(f"  start-up {name:16} ready {ready * 1000:6.0f} ms after exec, idle RSS "
                  f"{startup[name]['idle_rss_mib']:.0f} MiB")
        results["startup"] = startup
        token = run([f"{args.bin}/payment-gateway", "token", "--jwt-secret-file", secret, "--subject", "bench",
                     "--role", "service"]).strip()
        request = urllib.request.Request(
            f"http://127.0.0.1:{gw_port}/api/payment/payouts", method="POST",
            data=json.dumps({"idempotencyKey": "bench-get", "recipientAddress": "TE2vQGQiihnDQ2qSi4guvFs2QXw3W3Nxrp",
                             "amountUnits": "1", "reason": "bench"}).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request) as answer:
            payout_id = json.load(answer)["payout"]["payoutId"]
        path = f"/api/payment/payouts/{payout_id}"
        peer = Process(work, "gw-fastapi", [
            sys.executable, f"{HERE}/peers/fastapi_gateway.py", "--listen", f"127.0.0.1:{peer_port}",
            "--sidecar", f"localhost:{side_port}", "--certs", certs, "--jwt-secret-file", secret,
            "--stubs", os.path.join(ROOT, "tests/e2e/gen")])
        peer.wait_ready(tcp_open(peer_port))
        figures = {}
        for name, port_, front in (("payment-gateway", gw_port, gateway), ("fastapi peer", peer_port, peer)):
            url = f"http://127.0.0.1:{port_}{path}"
            with urllib.request.urlopen(urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})) as a:
                if json.load(a).get("payoutId") != payout_id:
                    raise RuntimeError(f"{name} answered another payout")
            wrk(url, token, 1)  # warm-up
            watched = [front, sidecar, rpc]
            before = {p.name: cpu_seconds(p.pid) for p in watched}
            for p in watched:
                p.peak_rss = 0.0
            with Sampler(watched), Profiled(args, "gateway", watched if front is gateway else []):
                figure = wrk(url, token, args.seconds)
            if figure["non_2xx"]:
                raise RuntimeError(f"{name} answered {figure['non_2xx']} non-2xx responses under load")
            cpu = {p.name: (cpu_seconds(p.pid) - before[p.name]) / max(1, figure["requests"]) * 1000 for p in watched}
            figure["cpu_ms_per_request"] = cpu
            figure["cpu_ms_per_request_total"] = sum(cpu.values())
            figure["rss_peak_mib"] = {p.name: p.peak_rss for p in watched}
            figures[name] = figure
            print(f"  {name:16} {figure['rps']:7.0f} req/s  p50 {figure['p50_ms']:.2f} ms  p99 {figure['p99_ms']:.2f}"
                  f" ms  ({figure['non_2xx']} non-2xx)  CPU/request: "
                  + ", ".join(f"{k} {v:.2f} ms" for k, v in cpu.items())
                  + f" = {figure['cpu_ms_per_request_total']:.2f} ms")
        print(f"  payment-gateway ÷ fastapi peer: {figures['payment-gateway']['rps'] / figures['fastapi peer']['rps']:.2f}")
        results["gateway"] = figures
        results["rss_under_load_mib"] = figures["payment-gateway"]["rss_peak_mib"]
    finally:
        for p in ([peer] if peer else []) + [gateway, sidecar, rpc]:
            p.stop()


def summary(results):
    print("\n== targets (issue 14)")
    t = results.get("transport", {})
    rows = []
    if t:
        go = t["grpc-go"]["rps"]
        rows.append(("payment-rpc Health/Check ÷ grpc-go", t["payment-rpc"]["rps"] / go, ">= 0.40"))
        rows.append(("grpc-swift-2 no-op ÷ grpc-go", t["grpc-noop (grpc-swift-2)"]["rps"] / go, ">= 0.40"))
    c = results.get("create")
    if c:
        rows.append(("CreatePayout 1 caller p50 ÷ fsync p50", c["1 callers"]["p50_ms"] / results["fsync"]["p50_ms"],
                     "<= 3"))
        before = results.get("create_before")
        if before:
            rows.append(("CreatePayout 64 callers ÷ before", c["64 callers"]["per_second"]
                         / max(1, before["64 callers"]["per_second"]), ">= 3"))
        else:
            rows.append(("CreatePayout 64 callers /s", c["64 callers"]["per_second"], ">= 3 × before"))
    g = results.get("gateway")
    if g:
        rows.append(("gateway GET ÷ fastapi peer", g["payment-gateway"]["rps"] / g["fastapi peer"]["rps"], ">= 3"))
        rows.append(("CPU per GET, 3 processes (ms)", g["payment-gateway"]["cpu_ms_per_request_total"], "<= 0.8"))
    h = results.get("hop")
    if h:
        side, ngx = h["beta-sidecar (mTLS)"], h["nginx grpc_pass (mTLS)"]
        rows.append(("sidecar ÷ nginx throughput", side["per_second"] / ngx["per_second"], ">= 1.3"))
        rows.append(("sidecar ÷ nginx p99", side["p99_ms"] / ngx["p99_ms"], "<= 1"))
    for name, s in results.get("startup", {}).items():
        rows.append((f"{name} ready after exec (s)", s["ready_s"], "<= 1"))
        rows.append((f"{name} idle RSS (MiB)", s["idle_rss_mib"], "< 64"))
    for name, value, target in rows:
        print(f"  {name:42} {value:10.2f}   target {target}")
    results["targets"] = [{"name": n, "value": v, "target": t} for n, v, t in rows]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True, help="the release build's bin directory")
    parser.add_argument("--peers", required=True, help="where grpc-go-health was built")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--before-bin", help="an earlier build's bin directory: its payment-rpc runs beside")
    parser.add_argument("--json", default="bench-all.json")
    parser.add_argument("--work-dir", default=os.path.join(ROOT, ".build", "bench-all"),
                        help="where ledgers and the fsync probe live (a disk, not tmpfs)")
    parser.add_argument("--profile", metavar="DIR", help="perf-record our programs under load; reports into DIR")
    parser.add_argument("--only", action="append", choices=["transport", "create", "hop", "gateway"],
                        help="run only these sections (fsync always runs)")
    args = parser.parse_args()
    for tool in ("h2load", "wrk", "nginx"):
        if not shutil.which(tool):
            sys.exit(f"bench-all: {tool} is missing (apt-get install -y nghttp2-client wrk nginx-light)")
    sections = args.only or ["transport", "create", "hop", "gateway"]
    results = {"machine": {"cores": os.cpu_count(), "kernel": os.uname().release,
                           "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}}
    os.makedirs(args.work_dir, exist_ok=True)
    filesystem = run(["stat", "-f", "-c", "%T", args.work_dir]).strip()
    if filesystem in ("tmpfs", "ramfs"):
        sys.exit(f"bench-all: {args.work_dir} is on {filesystem}: fsync and the durable ledger would be measured in "
                 "memory; give --work-dir on a disk")
    results["machine"]["work_filesystem"] = filesystem
    with tempfile.TemporaryDirectory(prefix="bench-all-", dir=args.work_dir) as work:
        results["fsync"] = measure_fsync(work)
        f = results["fsync"]
        print(f"machine: {os.cpu_count()} cores, {os.uname().release}")
        print(f"== fsync (4 KiB append + fsync, {f['count']}×, in {work}, {filesystem}): p50 {f['p50_ms']:.3f} ms, "
              f"p99 {f['p99_ms']:.3f} ms")
        if "transport" in sections:
            transport_section(args, work, results)
        if "create" in sections:
            create_section(args, work, results)
        if "hop" in sections or "gateway" in sections:
            certs = issue_certs(args, work)
            if "hop" in sections:
                hop_section(args, work, results, certs)
            if "gateway" in sections:
                gateway_section(args, work, results, certs)
    summary(results)
    with open(args.json, "w") as f:
        json.dump(results, f, indent=2)
    print(f"\nfigures written to {args.json}")


if __name__ == "__main__":
    main()
