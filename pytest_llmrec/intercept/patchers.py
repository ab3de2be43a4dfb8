"""VCR.py's patches for every HTTP client it knows, with the httpx and httpx2 transports swapped for ours.

The one module that imports VCR.py. It leans on four of VCR.py's private names (the
patcher builder's ``_httpx``/``_httpx2`` groups and ``_build_patchers_from_mock_triples``,
and the real transport methods VCR.py saved in ``vcr.patch``); pyproject.toml pins
``vcrpy<10`` and ``tests/unit/intercept/test_vcr_contract.py`` fails loudly if a release
moves any of them.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import threading
from collections.abc import Iterator
from typing import Any

from vcr import patch as vcr_patch
from vcr.patch import CassettePatcherBuilder

from pytest_llmrec.intercept.transports import async_handler, sync_handler
from pytest_llmrec.intercept.vcr_cassette import VcrCassette
from pytest_llmrec.tape import Tape

# The module each of VCR.py's patcher groups imports (httplib is always there).
CLIENT_MODULES = {
    "requests": "requests",
    "boto3": "botocore",
    "urllib3": "urllib3",
    "httplib2": "httplib2",
    "tornado": "tornado",
    "aiohttp": "aiohttp",
    "httpx": "httpx",
    "httpx2": "httpx2",
}


@functools.cache
def absent_clients() -> tuple[str, ...]:
    """Patcher groups whose client is not installed: VCR.py would retry their failing imports, and
    search sys.path, on every test."""
    return tuple(name for name, module in CLIENT_MODULES.items() if importlib.util.find_spec(module) is None)


class PatcherBuilder(CassettePatcherBuilder):  # type: ignore[misc]
    """VCR.py's patchers, with the httpx and httpx2 transports handled by our stubs.

    Only the network transports are patched: MockTransport, WSGI and ASGI apps run
    in-process and need no recording.
    """

    def _current_tape(self) -> Tape:
        return self._cassette.tape  # type: ignore[no-any-return]

    def _httpx_patches(self, module_name: str, prefix: str) -> Iterator[Any]:
        try:
            httpx = __import__(module_name)
        except ImportError:
            return iter(())
        real_sync = getattr(vcr_patch, f"_{prefix}HttpTransport_handle_request")
        real_async = getattr(vcr_patch, f"_{prefix}AsyncHttpTransport_handle_async_request")
        triples = [
            (httpx.HTTPTransport, "handle_request", sync_handler(self._current_tape, real_sync, httpx)),
            (
                httpx.AsyncHTTPTransport,
                "handle_async_request",
                async_handler(self._current_tape, real_async, httpx),
            ),
        ]
        return self._build_patchers_from_mock_triples(triples)  # type: ignore[no-any-return]

    def _httpx(self) -> Iterator[Any]:
        return self._httpx_patches("httpx", "Httpx")

    def _httpx2(self) -> Iterator[Any]:
        return self._httpx_patches("httpx2", "Httpx2")


class _Patches:
    """One set of patchers, pointed at one tape at a time.

    Building VCR.py's patchers creates a dozen classes (its connection stubs, bound to the
    cassette) and thirty patch objects, garbage that the cyclic collector would chase through
    the whole heap during later tests. So a set is built once and reused by each test in turn.
    """

    def __init__(self, tape: Tape) -> None:
        self.cassette = VcrCassette(tape, skip_patchers=absent_clients())
        self.patchers = list(PatcherBuilder(self.cassette).build())
        self.in_use = False


_shared: _Patches | None = None  # built on first use
_lock = threading.Lock()


def _take_patches(tape: Tape) -> _Patches:
    """The shared set, or a fresh one while it is in use (a block of intercepting inside another)."""
    global _shared
    with _lock:
        if _shared is None:
            patches = _shared = _Patches(tape)
        elif _shared.in_use:
            patches = _Patches(tape)
        else:
            patches = _shared
            patches.cassette.tape = tape
        patches.in_use = True
        return patches


@contextlib.contextmanager
def intercepting(tape: Tape) -> Iterator[Tape]:
    """Patch every supported HTTP client for the duration of the block; always unpatch."""
    patches = _take_patches(tape)
    try:
        with contextlib.ExitStack() as stack:
            for patcher in patches.patchers:
                stack.enter_context(patcher)
            yield tape
    finally:
        patches.cassette.release()
        patches.in_use = False
