"""payment-rpc on a shared PostgreSQL ledger: the store's variables, `payment-rpc migrate`, several instances over one
database (each in its own directory, with its own ports and log), `payctl ledger copy`, and channels that reconnect
quickly to an instance that was killed and restarted."""
import pathlib
import signal
import time

import grpc

from lucid.payment.v1 import admin_pb2_grpc, payment_pb2 as pb, payment_pb2_grpc
from support.paths import PAYCTL, PAYMENT_RPC
from support.payment_rpc import PaymentRPCProcess
from support.processes import run

# A channel to an instance that is restarted must not sit in grpc's reconnect backoff (up to two minutes).
CHANNEL_OPTIONS = [("grpc.initial_reconnect_backoff_ms", 200), ("grpc.min_reconnect_backoff_ms", 200),
                   ("grpc.max_reconnect_backoff_ms", 1000), ("grpc.enable_retries", 0)]


def ledger_env(url, lease_seconds=None, password_file=None, tls=None) -> dict:
    """The variables that put payment-rpc on the PostgreSQL ledger at `url` (and not on SQLite)."""
    env = {"PAYMENT_RPC_STORE_POSTGRES_URL": url, "PAYMENT_RPC_STORE_SQLITE_PATH": None}
    if lease_seconds is not None:
        env["PAYMENT_RPC_STORE_LEASE_SECONDS"] = str(lease_seconds)
    if password_file is not None:
        env["PAYMENT_RPC_STORE_POSTGRES_PASSWORD_FILE"] = str(password_file)
    if tls is not None:
        env["PAYMENT_RPC_STORE_POSTGRES_TLS"] = tls
    return env


def _defined(env):
    return {name: value for name, value in env.items() if value is not None}


def migrate(url, list_only=False, extra_env=None, check=True):
    """`payment-rpc migrate [--list]` against `url`; the completed process (raises on a non-zero exit if `check`)."""
    args = [PAYMENT_RPC, "migrate"] + (["--list"] if list_only else [])
    result = run(args, env=_defined({**ledger_env(url), **(extra_env or {})}), capture_output=True, text=True,
                 timeout=120)
    if check and result.returncode != 0:
        raise RuntimeError(f"payment-rpc migrate exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def ledger_copy(sqlite_path, url, password_file=None, timeout=300):
    """`payctl ledger copy --from sqlite:PATH --to URL`; the completed process."""
    args = [PAYCTL, "ledger", "copy", "--from", f"sqlite:{sqlite_path}", "--to", url]
    if password_file is not None:
        args += ["--password-file", str(password_file)]
    return run(args, capture_output=True, text=True, timeout=timeout)


class Instance:
    """One payment-rpc process on the shared ledger, with stubs over a channel that follows its restarts."""

    def __init__(self, name, directory: pathlib.Path, env):
        directory.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.process = PaymentRPCProcess(directory, extra_env=env)
        self.channel = None
        self.kills = 0

    @property
    def target(self):
        return self.process.target

    @property
    def log_path(self):
        return self.process.log_path

    def start(self):
        self.process.start()
        if self.channel is None:
            self.channel = grpc.insecure_channel(self.target, options=CHANNEL_OPTIONS)
        return self

    @property
    def payments(self):
        return payment_pb2_grpc.PaymentServiceStub(self.channel)

    @property
    def admin(self):
        return admin_pb2_grpc.AdminServiceStub(self.channel)

    def alive(self):
        return self.process.process is not None and self.process.process.poll() is None

    def kill9(self):
        self.process.kill9()
        self.kills += 1

    def pause(self):
        self.process.process.send_signal(signal.SIGSTOP)

    def resume(self):
        self.process.process.send_signal(signal.SIGCONT)

    def stop(self):
        if self.alive():
            self.resume()  # a stopped process would not see SIGTERM until continued
        code = self.process.stop()
        if self.channel is not None:
            self.channel.close()
            self.channel = None
        return code

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def start_instances(directory: pathlib.Path, url, count, env=None, lease_seconds=None, run_migrate=True):
    """`count` instances on the ledger at `url` (migrated first), each in directory/instance-N; all started."""
    if run_migrate:
        migrate(url)
    instances = [Instance(f"instance-{n}", directory / f"instance-{n}",
                          {**(env or {}), **ledger_env(url, lease_seconds)}) for n in range(count)]
    try:
        for instance in instances:
            instance.start()
    except BaseException:
        stop_all(instances)
        raise
    return instances


def stop_all(instances):
    for instance in instances:
        try:
            instance.stop()
        except Exception as error:  # one that will not stop must not keep the others running
            print(f"{instance.name}: stop failed: {error}")


def status_counts(stub, timeout=10) -> dict:
    """{"CONFIRMED": n, …} from GetStats (every status, zeros included)."""
    stats = stub.GetStats(pb.GetStatsRequest(), timeout=timeout)
    counts = {name.replace("PAYOUT_STATUS_", ""): 0 for name in pb.PayoutStatus.keys() if not name.endswith("UNSPECIFIED")}
    for count in stats.counts:
        counts[pb.PayoutStatus.Name(count.status).replace("PAYOUT_STATUS_", "")] = count.count
    return counts


def first_answer(instances, call, attempts=30):
    """`call(instance)` on the first live instance that answers (tried in turn, for a while); its answer."""
    last = None
    for attempt in range(attempts):
        for instance in instances:
            if not instance.alive():
                continue
            try:
                return call(instance)
            except grpc.RpcError as error:
                last = error
        time.sleep(0.5)
    raise AssertionError(f"no instance answered: {last}")
