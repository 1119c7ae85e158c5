"""Free TCP ports on the loopback interface, for the servers the tests start."""
import socket


def free_port() -> int:
    """A port nothing listens on right now (the kernel's pick); the caller binds it soon after."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
