"""The last line against silent live calls: in replay mode, sockets may not connect.

VCR.py's patches answer the HTTP clients it knows before any socket opens. A client
it does not patch (gRPC, websockets, pycurl, a hand-written socket) would reach the
network unnoticed; this guard refuses the connection instead, naming the address.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterable, Iterator
from typing import Any

from pytest_llmrec.errors import LiveConnectionBlockedError


def resolve_hosts(hosts: Iterable[str]) -> frozenset[str]:
    """The names given plus every address they resolve to (a host that does not resolve keeps its name)."""
    allowed = set()
    for host in hosts:
        allowed.add(host)
        with contextlib.suppress(OSError):
            allowed.update(str(info[4][0]) for info in socket.getaddrinfo(host, None))
    return frozenset(allowed)


@contextlib.contextmanager
def no_live_connections(allowed: frozenset[str], nodeid: str) -> Iterator[list[str]]:
    """Refuse every internet socket connection to a host not in ``allowed``; yields what was refused."""
    refused: list[str] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return
        host, port = str(address[0]), address[1]
        if host in allowed:
            return
        where = f"{host}:{port}"
        refused.append(where)
        raise LiveConnectionBlockedError(
            f"pytest-llmrec: {nodeid} is replaying, but something tried to connect to {where}, which no "
            "recording answers (a client VCR.py does not patch, or a service the test needs). Allow the "
            f"host with --llm-allow-hosts={host} (ini llm_allow_hosts), or record with "
            f"--llm-record=record-missing."
        )

    def connect(sock: socket.socket, address: Any) -> None:
        check(sock, address)
        real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        check(sock, address)
        return real_connect_ex(sock, address)

    socket.socket.connect = connect  # type: ignore[method-assign, assignment]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign, assignment]
    try:
        yield refused
    finally:
        socket.socket.connect = real_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = real_connect_ex  # type: ignore[method-assign]
