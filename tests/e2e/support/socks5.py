"""A small SOCKS5 proxy for tests, standing in for Tor's SocksPort: CONNECT only, no authentication (RFC 1928).

It listens on 127.0.0.1 (a free port unless one is given), relays bytes both ways, and records every tunnel it opens
(`connections`, `targets`). `stop()` closes the listener and every open tunnel, so a client's pooled connections die
with it; `start()` listens again on the same port. Threads only, all of them ended by `stop()`.
"""
import select
import socket
import struct
import threading
import time

from support.ports import free_port

POLL_S = 0.2
HANDSHAKE_TIMEOUT_S = 5


class Socks5Proxy:
    def __init__(self, port=None):
        self.port = port or free_port()
        self._lock = threading.Lock()
        self._targets = []
        self._open = set()
        self._threads = []
        self._stopping = None
        self._listener = None
        self._acceptor = None

    @property
    def url(self) -> str:
        return f"socks5://127.0.0.1:{self.port}"

    @property
    def connections(self) -> int:
        """How many tunnels were opened, over every start."""
        with self._lock:
            return len(self._targets)

    @property
    def targets(self):
        """(host, port) of each tunnel, in order; the host as the client sent it (an address or a name)."""
        with self._lock:
            return list(self._targets)

    @property
    def running(self) -> bool:
        return self._listener is not None

    def start(self):
        assert self._listener is None, "already running"
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        self._stopping = threading.Event()
        self._acceptor = threading.Thread(target=self._accept_loop, args=(listener, self._stopping), daemon=True)
        self._acceptor.start()
        return self

    def stop(self, timeout=10):
        """Closes the listener and every tunnel; returns once every thread has ended (at most `timeout` s)."""
        if self._listener is None:
            return
        self._stopping.set()
        # The acceptor first: once it has ended no tunnel starts, so every client socket is tracked below.
        self._acceptor.join(timeout)
        _close(self._listener)
        self._listener = None
        with self._lock:
            sockets = list(self._open)
        for sock in sockets:
            _shutdown(sock)  # wakes the tunnel's thread, which closes it
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        alive = [t for t in self._threads + [self._acceptor] if t.is_alive()]
        self._threads = alive
        assert not alive, f"{len(alive)} proxy threads did not end"

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _track(self, sock):
        with self._lock:
            self._open.add(sock)

    def _untrack_and_close(self, *sockets):
        with self._lock:
            for sock in sockets:
                self._open.discard(sock)
        for sock in sockets:
            _close(sock)

    def _accept_loop(self, listener, stopping):
        while not stopping.is_set():
            readable, _, _ = select.select([listener], [], [], POLL_S)
            if not readable:
                continue
            try:
                client, _ = listener.accept()
            except OSError:
                continue
            self._track(client)
            self._threads = [t for t in self._threads if t.is_alive()]
            thread = threading.Thread(target=self._tunnel, args=(client, stopping), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _tunnel(self, client, stopping):
        upstream = None
        try:
            client.settimeout(HANDSHAKE_TIMEOUT_S)
            target = _handshake(client)
            if target is None:
                return
            try:
                upstream = socket.create_connection(target, timeout=HANDSHAKE_TIMEOUT_S)
            except OSError:
                client.sendall(b"\x05\x05\x00\x01" + b"\x00" * 6)  # connection refused
                return
            self._track(upstream)
            if stopping.is_set():  # stop() may have shut the tracked sockets before this one existed
                return
            with self._lock:
                self._targets.append(target)
            client.sendall(b"\x05\x00\x00\x01" + b"\x00" * 6)
            client.settimeout(None)
            upstream.settimeout(None)
            _relay(client, upstream, stopping)
        except (OSError, ValueError):
            pass
        finally:
            self._untrack_and_close(client, *([upstream] if upstream else []))


def _handshake(client):
    """Reads the greeting and the CONNECT request; answers the greeting. (host, port), or None when refused."""
    version, count = _read(client, 2)
    methods = _read(client, count)
    if version != 5 or 0 not in methods:
        client.sendall(b"\x05\xff")
        return None
    client.sendall(b"\x05\x00")
    version, command, _, address_type = _read(client, 4)
    if address_type == 1:
        host = socket.inet_ntoa(_read(client, 4))
    elif address_type == 3:
        host = _read(client, _read(client, 1)[0]).decode()
    elif address_type == 4:
        host = socket.inet_ntop(socket.AF_INET6, _read(client, 16))
    else:
        client.sendall(b"\x05\x08\x00\x01" + b"\x00" * 6)  # address type not supported
        return None
    (port,) = struct.unpack("!H", _read(client, 2))
    if version != 5 or command != 1:
        client.sendall(b"\x05\x07\x00\x01" + b"\x00" * 6)  # command not supported
        return None
    return host, port


def _read(sock, count) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise OSError("closed during the handshake")
        data += chunk
    return data


def _relay(a, b, stopping):
    """Copies bytes both ways until either side closes or the proxy stops."""
    peer = {a: b, b: a}
    while not stopping.is_set():
        readable, _, _ = select.select([a, b], [], [], POLL_S)
        for sock in readable:
            data = sock.recv(65536)
            if not data:
                return
            peer[sock].sendall(data)


def _shutdown(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _close(sock):
    _shutdown(sock)
    sock.close()
