"""One audit hook per process, dispatching socket, ctypes and process events to the current guard.

Audit hooks cannot be removed, so the hook is installed once and does nothing while no guard is
current: outside guarded tests it costs a dictionary lookup per audit event. CPython raises
``socket.connect`` for every connect, whatever the caller holds (``socket.socket``, ``_socket``, a
saved bound method, asyncio's ``sock_connect``), in every thread, which a patched method cannot see.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import weakref
from collections.abc import Callable
from typing import Any, Protocol

NATIVE_SYMBOLS = frozenset({"connect", "sendto", "sendmsg", "sendmmsg", "getaddrinfo"})
INTERNET = (socket.AF_INET, socket.AF_INET6)


class Watcher(Protocol):
    """What a guard answers to; each method may raise to refuse."""

    def address(self, verb: str, address: Any) -> None: ...

    def native(self, symbol: str) -> None: ...

    def child(self, env: Any) -> None: ...


current: Watcher | None = None
# Internet sockets by the host they connected to, seen process-wide, so a guard can find the ones a
# session fixture connected before its test started. Only sockets that take weak references.
connected: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
_installed = False


def _connect(args: tuple[Any, ...]) -> None:
    sock, address = args
    family = getattr(sock, "family", None)
    if family in INTERNET:
        if current is not None:
            current.address("connect to", address)
        with contextlib.suppress(TypeError):  # a bare _socket.socket takes no weak reference
            connected[sock] = str(address[0])


def _send(args: tuple[Any, ...]) -> None:
    sock, address = args[0], args[-1]
    family = getattr(sock, "family", None)
    if current is not None and address is not None and family in INTERNET:
        current.address("send to", address)


def _symbol(args: tuple[Any, ...]) -> None:
    if current is not None and args[1] in NATIVE_SYMBOLS:
        current.native(str(args[1]))


def _env_at(index: int) -> Callable[[tuple[Any, ...]], None]:
    """The handler of a process-starting event whose ``index``-th argument is the child's environment."""

    def child(args: tuple[Any, ...]) -> None:
        if current is not None:
            current.child(args[index])

    return child


HANDLERS: dict[str, Callable[[tuple[Any, ...]], None]] = {
    "socket.connect": _connect,
    "socket.sendto": _send,
    "socket.sendmsg": _send,
    "ctypes.dlsym": _symbol,
    "ctypes.dlsym/handle": _symbol,
    "subprocess.Popen": _env_at(3),
    "os.posix_spawn": _env_at(2),
    "os.exec": _env_at(2),  # os.system, os.spawn* and fork children inherit the C environment
}


def _hook(event: str, args: tuple[Any, ...]) -> None:
    handler = HANDLERS.get(event)
    if handler is not None:
        handler(args)


def install() -> None:
    """Add the hook, once per process (a second call does nothing)."""
    global _installed
    if not _installed:
        sys.addaudithook(_hook)
        _installed = True
