"""Starting and stopping the built binaries with an environment the test controls.

Every server reads its configuration from variables with its own prefix, and refuses (or will refuse) unknown ones;
a variable left in the caller's environment (a shell's PAYMENT_RPC_…, a CI's TRON_DEVNET_…) must not reach the
servers a test starts. So each binary gets the caller's environment without any of those prefixes, plus exactly the
variables the test sets.
"""
import os
import signal
import subprocess

SERVER_PREFIXES = ("PAYMENT_RPC_", "BETA_SIDECAR_", "PAYMENT_GATEWAY_", "TRON_DEVNET_")


def server_environment(explicit=None) -> dict:
    """The caller's environment without the servers' variables, then `explicit` (a dict) on top."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith(SERVER_PREFIXES)}
    environment.update(explicit or {})
    return environment


def spawn(args, log_path, env=None) -> subprocess.Popen:
    """Starts `args` in the background with `server_environment(env)`, stdout and stderr appended to `log_path`."""
    log = open(log_path, "ab")
    return subprocess.Popen(args, env=server_environment(env), stdout=log, stderr=subprocess.STDOUT)


def run(args, env=None, **kwargs) -> subprocess.CompletedProcess:
    """`subprocess.run(args, **kwargs)` with `server_environment(env)`: a command that ends (a CLI, a refused start)."""
    return subprocess.run(args, env=server_environment(env), **kwargs)


def terminate(process, timeout=20):
    """SIGTERM to a running `process`, then waits up to `timeout` seconds; returns its exit code (None if unstarted)."""
    if process is None:
        return None
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        return process.wait(timeout=timeout)
    return process.returncode
