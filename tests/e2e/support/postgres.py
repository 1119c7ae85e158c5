"""A throwaway PostgreSQL cluster for tests (Debian's postgresql package): `initdb` into a fresh temporary directory
on disk, one server on 127.0.0.1 and a free port with its Unix socket in that directory, `trust` authentication, fsync
and synchronous commit on (the ledger's durability is what is tested, so nothing is relaxed), small shared buffers,
200 connections. `stop()` stops it at once (`pg_ctl stop -m immediate`) and removes the directory.

initdb refuses to run as root, so as root the server's commands run as the `postgres` user (`runuser`) on a
directory handed to it; otherwise they run as the caller. Without initdb the test is skipped, saying why.

    with PostgresCluster() as cluster:        # or cluster = PostgresCluster().start() … cluster.stop()
        cluster.url                           # postgres://postgres@127.0.0.1:PORT/lucid
        cluster.create_database("other")      # its URL
        cluster.psql("SELECT 1")              # psql's unaligned output, as text
"""
import glob
import os
import pathlib
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time

from support.ports import free_port

PSQL = "/usr/bin/psql"
SERVER_USER = "postgres"


def bin_dir():
    """The newest /usr/lib/postgresql/N/bin with an initdb (or LUCID_PG_BIN_DIR), or None."""
    explicit = os.environ.get("LUCID_PG_BIN_DIR")
    candidates = [explicit] if explicit else sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda path: [int(n) for n in re.findall(r"\d+", path)])
    for candidate in reversed(candidates):
        if os.access(os.path.join(candidate, "initdb"), os.X_OK):
            return pathlib.Path(candidate)
    return None


def skip_without_postgres():
    """pytest.skip with the reason when there is no PostgreSQL server to start here."""
    import pytest
    if bin_dir() is None:
        pytest.skip("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb; "
                    "apt-get install -y postgresql, or set LUCID_PG_BIN_DIR)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            pytest.skip("running as root and there is no `postgres` user to run initdb as")


class PostgresCluster:
    def __init__(self, database="lucid", shared_buffers="32MB", max_connections=200, settings=None):
        self.database = database
        self.shared_buffers = shared_buffers
        self.max_connections = max_connections
        self.settings = dict(settings or {})
        self.bin = None
        self.directory = None
        self.port = None
        self.started_seconds = None

    # --- where it is
    @property
    def data(self) -> pathlib.Path:
        return self.directory / "data"

    @property
    def socket_dir(self) -> pathlib.Path:
        return self.directory / "run"

    @property
    def log_path(self) -> pathlib.Path:
        return self.directory / "server.log"

    @property
    def url(self) -> str:
        return self.url_for(self.database)

    def url_for(self, database) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    # --- running the server's own commands (as postgres when root)
    def _as_server(self, args, **kwargs):
        command = [str(arg) for arg in args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SERVER_USER, "--"] + command
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "LANG": "C",
               "TZ": "UTC", "HOME": str(self.directory)}
        return subprocess.run(command, env=env, capture_output=True, text=True, **kwargs)

    def start(self):
        skip_without_postgres()
        self.bin = bin_dir()
        began = time.monotonic()
        self.directory = pathlib.Path(tempfile.mkdtemp(prefix="lucid-pg-"))
        self.socket_dir.mkdir()
        if os.geteuid() == 0:
            user = pwd.getpwnam(SERVER_USER)
            for path in (self.directory, self.socket_dir):
                os.chown(path, user.pw_uid, user.pw_gid)
        try:
            made = self._as_server([self.bin / "initdb", "-D", self.data, "-U", "postgres", "-A", "trust",
                                    "-E", "UTF8", "--no-locale"], timeout=120)
            if made.returncode != 0:
                raise RuntimeError(f"initdb failed ({made.returncode}):\n{made.stdout[-2000:]}{made.stderr[-2000:]}")
            for attempt in range(3):
                self.port = free_port()
                self._write_settings()
                started = self._as_server([self.bin / "pg_ctl", "-D", self.data, "-l", self.log_path, "-w",
                                           "-t", "60", "start"], timeout=90)
                if started.returncode == 0:
                    break
                log = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
                if "could not bind" not in log or attempt == 2:
                    raise RuntimeError(f"pg_ctl start failed ({started.returncode}):\n{started.stderr[-2000:]}\n"
                                       f"{log[-3000:]}")
            self.psql(f'CREATE DATABASE "{self.database}"', database="postgres")
        except BaseException:
            self.stop()
            raise
        self.started_seconds = time.monotonic() - began
        return self

    def _write_settings(self):
        settings = {
            "listen_addresses": "'127.0.0.1'", "port": str(self.port),
            "unix_socket_directories": f"'{self.socket_dir}'",
            "fsync": "on", "synchronous_commit": "on", "full_page_writes": "on", "wal_sync_method": "fdatasync",
            "shared_buffers": self.shared_buffers, "max_connections": str(self.max_connections),
            "logging_collector": "off", "log_min_messages": "warning", "log_line_prefix": "'%m [%p] %d '",
            "timezone": "'UTC'",
        }
        settings.update({key: str(value) for key, value in self.settings.items()})
        # postgresql.auto.conf is read last, so a retry with another port simply overwrites it.
        text = "".join(f"{key} = {value}\n" for key, value in settings.items())
        (self.data / "postgresql.auto.conf").write_text(text)
        if os.geteuid() == 0:
            user = pwd.getpwnam(SERVER_USER)
            os.chown(self.data / "postgresql.auto.conf", user.pw_uid, user.pw_gid)

    def stop(self):
        if self.directory is None:
            return
        if (self.data / "postmaster.pid").exists():
            stopped = self._as_server([self.bin / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "-t", "30",
                                       "stop"], timeout=60)
            if stopped.returncode != 0 and (self.data / "postmaster.pid").exists():
                pid = int((self.data / "postmaster.pid").read_text().split()[0])  # the server this helper started
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- using it
    def psql(self, sql, database=None, check=True) -> str:
        """Runs `sql` (one or more statements) with psql -At; its output (rows as `a|b` lines), stripped."""
        psql = PSQL if os.path.exists(PSQL) else str(self.bin / "psql")
        result = subprocess.run(
            [psql, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(self.port),
             "-U", "postgres", "-d", database or self.database, "-c", sql],
            capture_output=True, text=True, timeout=120,
            env={**os.environ, "PGCONNECT_TIMEOUT": "10", "PGTZ": "UTC"})
        if check and result.returncode != 0:
            raise RuntimeError(f"psql {sql[:200]!r} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")
        return result.stdout.strip()

    def create_database(self, name) -> str:
        """A new empty database on this cluster; its URL."""
        self.psql(f'CREATE DATABASE "{name}"', database="postgres")
        return self.url_for(name)

    def tables(self, database=None):
        """The names of the ordinary tables in the public schema."""
        out = self.psql("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1", database)
        return [line for line in out.splitlines() if line]

    def connections(self, database=None) -> int:
        """Backends connected to `database` (this cluster's default one), psql's own excluded."""
        return int(self.psql(f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{database or self.database}' "
                             "AND pid <> pg_backend_pid()", database="postgres"))

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.directory and self.log_path.exists() else ""
