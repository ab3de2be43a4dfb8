"""The proxy the children of a guarded test are sent to: it answers every request 403 and notes its target.

Non-Python children (curl, a Go or Rust binary) and gRPC's C core open their sockets past the audit
hook, but honour the proxy variables. A listening proxy, rather than a closed port, lets the parent
test learn what they tried to reach and fail naming it, as it does for its own connections.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import urllib.parse
from collections.abc import Callable

HEAD_LIMIT = 8192


def target(line: str) -> str:
    """``host:port`` of a proxy request line: ``CONNECT host:port ...`` or ``GET http://host:port/...``."""
    parts = line.split()
    if len(parts) < 2:
        return "an unknown address (not an HTTP proxy request)"
    if parts[0].upper() == "CONNECT":
        return parts[1]
    url = urllib.parse.urlsplit(parts[1])
    try:
        port = url.port or (443 if url.scheme == "https" else 80)
    except ValueError:
        port = 0
    return f"{url.hostname or parts[1]}:{port}"


class RefusingProxy:
    """Listens on 127.0.0.1 in a daemon thread, one request at a time, until closed."""

    def __init__(self, note: Callable[[str], None]) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.sock.getsockname()[1])
        self.note = note
        threading.Thread(target=self._serve, name="llmrec-refusing-proxy", daemon=True).start()

    def close(self) -> None:
        self.sock.close()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:  # closed
                return
            with conn, contextlib.suppress(OSError):
                self._refuse(conn)

    def _refuse(self, conn: socket.socket) -> None:
        conn.settimeout(2)
        head = b""
        while b"\r\n" not in head and len(head) < HEAD_LIMIT:
            chunk = conn.recv(4096)
            if not chunk:
                break
            head += chunk
        where = target(head.split(b"\r\n", 1)[0].decode("latin-1"))
        self.note(where)  # before answering: the child's request returns only once this is written
        body = f"pytest-llmrec: a child process of a guarded test tried to reach {where}: refused.\n".encode()
        conn.sendall(
            b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
