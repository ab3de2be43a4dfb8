"""The last line against silent live calls: while a test is guarded, nothing may reach an unlisted host.

VCR.py's patches answer the HTTP clients it knows before any socket opens. A client it does not
patch (websockets, pycurl, a hand-written socket, a child process) would reach the network
unnoticed. The guard refuses it instead, naming the address, through the process-wide audit hook
(``audit``): every connect, UDP or Fast Open ``sendto``, ctypes lookup of libc's socket calls, and
every child process, which gets a proxy that refuses (``children``). A socket connected before the
test (by a session fixture) is refused when it sends.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_llmrec.errors import LiveConnectionBlockedError
from pytest_llmrec.intercept import audit, children

SEND_METHODS = ("send", "sendall", "sendto", "sendmsg", "sendfile")


def resolve_hosts(hosts: Iterable[str]) -> frozenset[str]:
    """The names given plus every address they resolve to (a host that does not resolve keeps its name)."""
    allowed = set()
    for host in hosts:
        allowed.add(host)
        with contextlib.suppress(OSError):
            allowed.update(str(info[4][0]) for info in socket.getaddrinfo(host, None))
    return frozenset(allowed)


def is_loopback(host: str) -> bool:
    """Loopback is this machine, not the network: what the count of unguarded tests leaves out."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


@dataclass
class Guard:
    """One test's guard: refuses (``blocking``) or only notes (for the summary) what reaches out."""

    allowed: frozenset[str]
    situation: str  # "test_a.py::test_x is replaying": how each message starts
    advice: str  # how to let it through, or record it
    blocking: bool = True
    report: Path | None = None  # a child appends what it refused here, for its parent test
    refused: list[str] = field(default_factory=list)
    reached: list[str] = field(default_factory=list)  # non-loopback hosts a watched test connected to

    def address(self, verb: str, address: Any) -> None:
        host, port = str(address[0]), address[1]
        if host in self.allowed:
            return
        if not self.blocking:
            if not is_loopback(host):
                self.reached.append(f"{host}:{port}")
            return
        self.refuse(
            f"{host}:{port}",
            f"something tried to {verb} {host}:{port}, which no recording answers (a client VCR.py "
            f"does not patch, or a service the test needs). Allow the host with --llm-allow-hosts={host} "
            f"(ini llm_allow_hosts), or {self.advice}.",
        )

    def native(self, symbol: str) -> None:
        if self.blocking:
            self.refuse(
                f"ctypes {symbol}()",
                f"something looked up the C function {symbol}() through ctypes, which would reach the "
                "network past the guard; such lookups are refused while a test is guarded.",
            )

    def child(self, env: Any) -> None:
        if self.blocking:
            children.extend(env, self.allowed, self.situation, self.report)

    def sent_on_earlier_socket(self, where: str) -> None:
        self.refuse(
            where,
            f"a socket connected to {where} before the test started tried to send on it, which no "
            f"recording answers. Allow the host with --llm-allow-hosts={where.rsplit(':', 1)[0]} "
            f"(ini llm_allow_hosts), or {self.advice}.",
        )

    def refuse(self, where: str, why: str) -> None:
        """Remember, so a test that caught the error still fails, and raise."""
        self.refused.append(where)
        if self.report is not None:
            with contextlib.suppress(OSError), self.report.open("a") as out:
                out.write(where + "\n")
        raise LiveConnectionBlockedError(f"pytest-llmrec: {self.situation}, but {why}")


@contextlib.contextmanager
def guarding(guard: Guard) -> Iterator[Guard]:
    """Make ``guard`` current for the duration, in every thread; a blocking one covers children too."""
    audit.install()
    previous, audit.current = audit.current, guard
    with contextlib.ExitStack() as stack:
        if guard.blocking:
            stack.enter_context(children.proxied(guard.allowed, guard.situation))
            stack.enter_context(_earlier_sockets_refused(guard))
        try:
            yield guard
        finally:
            audit.current = previous
    if guard.blocking:
        guard.refused += [where for where in children.refused() if where not in guard.refused]


@contextlib.contextmanager
def _earlier_sockets_refused(guard: Guard) -> Iterator[None]:
    """Sockets connected to an unlisted host before the test may not send during it.

    CPython raises no audit event for a send on a connected socket, so the send methods of
    ``socket.socket`` and ``ssl.SSLSocket`` are wrapped, and only while such a socket exists.
    """
    earlier = {sock: host for sock, host in list(audit.connected.items()) if host not in guard.allowed}
    earlier = {sock: host for sock, host in earlier.items() if sock.fileno() != -1}
    if not earlier:
        yield
        return
    classes: list[type] = [socket.socket]
    if "ssl" in sys.modules:
        classes.append(sys.modules["ssl"].SSLSocket)
    saved = [(cls, name, cls.__dict__.get(name)) for cls in classes for name in SEND_METHODS]
    for cls, name, _ in saved:
        setattr(cls, name, _refusing(getattr(cls, name), earlier, guard))
    try:
        yield
    finally:
        for cls, name, method in saved:
            if method is None:
                delattr(cls, name)
            else:
                setattr(cls, name, method)


def _refusing(method: Any, earlier: dict[Any, str], guard: Guard) -> Any:
    def send(sock: Any, *args: Any, **kwargs: Any) -> Any:
        if sock in earlier:
            try:
                host, port = sock.getpeername()[:2]
                where = f"{host}:{port}"
            except OSError:
                where = earlier[sock]
            guard.sent_on_earlier_socket(where)
        return method(sock, *args, **kwargs)

    return send


def replay_guard(allowed: frozenset[str], nodeid: str) -> Guard:
    return Guard(allowed, f"{nodeid} is replaying", "record with --llm-record=record-missing")


def network_guard(allowed: frozenset[str], nodeid: str, blocking: bool) -> Guard:
    """For a test that records nothing: refuses under --llm-block-network, else only notes."""
    return Guard(
        allowed,
        f"{nodeid} runs with --llm-block-network",
        "mark the test llm_recording to record and replay its traffic",
        blocking=blocking,
    )


def child_guard(allowed: Iterable[str], situation: str, report: str | None) -> Guard:
    return Guard(
        frozenset(allowed),
        f"a child process of {situation}",
        "record the parent test with --llm-record=record-missing",
        report=Path(report) if report else None,
    )
