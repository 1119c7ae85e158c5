"""Where the built binaries are, and free ports."""
import os
import pathlib
import socket

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN_DIR = pathlib.Path(os.environ.get("LUCID_BIN_DIR", str(ROOT / ".build" / "debug")))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
