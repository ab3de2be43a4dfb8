"""Hooking into HTTP clients: VCR.py's patches, with our own for httpx and httpx2.

VCR.py's httpx stub joins a whole streamed response before the client sees its
first byte and replays it as one block. Ours pass a live stream through chunk by
chunk while keeping a copy for the recording, and replay a stream event by event.
Every other client (requests, urllib3, aiohttp, ...) goes through VCR.py's stubs,
which call the cassette's VCR interface.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator, Callable, Iterator
from types import ModuleType
from typing import Any, NamedTuple

from vcr import patch as vcr_patch
from vcr.patch import CassettePatcherBuilder

from pytest_llmrec import codec
from pytest_llmrec.cassette import LLMCassette, Plan
from pytest_llmrec.recording import Recording

OnComplete = Callable[[bytes], None]


class StreamClasses(NamedTuple):
    replay: type
    tee: type
    async_tee: type


class _Collector:
    """What both tee streams keep: the chunks seen so far, handed over once when the body is whole."""

    def __init__(self, inner: Any, on_complete: OnComplete) -> None:
        self._inner, self._on_complete, self._done = inner, on_complete, False
        self._parts: list[bytes] = []

    def _complete(self) -> None:
        if not self._done:
            self._done = True
            self._on_complete(b"".join(self._parts))


@functools.cache
def _stream_classes(httpx: ModuleType) -> StreamClasses:
    """Stream classes built on the given module's base classes, since httpx checks isinstance."""

    class ReplayStream(httpx.SyncByteStream, httpx.AsyncByteStream):  # type: ignore[misc, name-defined]
        """A recorded body sent in its original chunks (one per stream event)."""

        def __init__(self, chunks: list[bytes]) -> None:
            self._chunks = chunks

        def __iter__(self) -> Iterator[bytes]:
            yield from self._chunks

        async def __aiter__(self) -> AsyncIterator[bytes]:
            for chunk in self._chunks:
                yield chunk

    class TeeStream(_Collector, httpx.SyncByteStream):  # type: ignore[misc, name-defined]
        """Passes a live body through as it arrives and hands the whole of it to ``on_complete``."""

        def __iter__(self) -> Iterator[bytes]:
            for chunk in self._inner:
                self._parts.append(chunk)
                yield chunk
            self._complete()

        def close(self) -> None:
            try:
                if not self._done:  # the client stopped early: read the rest so the recording is whole
                    self._parts.extend(self._inner)
                    self._complete()
            finally:
                self._inner.close()

    class AsyncTeeStream(_Collector, httpx.AsyncByteStream):  # type: ignore[misc, name-defined]
        """The async twin of TeeStream."""

        async def __aiter__(self) -> AsyncIterator[bytes]:
            async for chunk in self._inner:
                self._parts.append(chunk)
                yield chunk
            self._complete()

        async def aclose(self) -> None:
            try:
                if not self._done:
                    self._parts.extend([chunk async for chunk in self._inner])
                    self._complete()
            finally:
                await self._inner.aclose()

    return StreamClasses(ReplayStream, TeeStream, AsyncTeeStream)


def _replayed(httpx: ModuleType, recording: Recording) -> Any:
    replay = codec.decode_response(recording.response)
    stream = _stream_classes(httpx).replay(replay.chunks)
    return httpx.Response(replay.status, headers=replay.headers, stream=stream)


def _on_complete(cassette: LLMCassette, plan: Plan, response: Any) -> OnComplete:
    return lambda body: cassette.record(plan, response.status_code, response.headers.multi_items(), body)


def _plan(cassette: LLMCassette, request: Any, body: bytes) -> Plan:
    plan = cassette.plan(request.method, str(request.url), request.headers, body)
    if plan.record:
        request.headers["accept-encoding"] = "identity"  # keep recorded bodies readable
    return plan


def sync_handler(cassette: LLMCassette, real: Callable[..., Any], httpx: ModuleType) -> Callable[..., Any]:
    @functools.wraps(real)
    def handle_request(transport: Any, request: Any) -> Any:
        plan = _plan(cassette, request, request.read())
        if plan.replay is not None:
            return _replayed(httpx, plan.replay)
        try:
            response = real(transport, request)
        except Exception:
            cassette.failed(plan)  # a connection error is the client's to report, never a recording
            raise
        if plan.replay is None:  # recorded, or measured for the tokens it spent
            response.stream = _stream_classes(httpx).tee(
                response.stream, _on_complete(cassette, plan, response)
            )
        return response

    return handle_request


def async_handler(cassette: LLMCassette, real: Callable[..., Any], httpx: ModuleType) -> Callable[..., Any]:
    @functools.wraps(real)
    async def handle_async_request(transport: Any, request: Any) -> Any:
        plan = _plan(cassette, request, await request.aread())
        if plan.replay is not None:
            return _replayed(httpx, plan.replay)
        try:
            response = await real(transport, request)
        except Exception:
            cassette.failed(plan)
            raise
        if plan.replay is None:  # recorded, or measured for the tokens it spent
            tee = _stream_classes(httpx).async_tee
            response.stream = tee(response.stream, _on_complete(cassette, plan, response))
        return response

    return handle_async_request


class PatcherBuilder(CassettePatcherBuilder):  # type: ignore[misc]
    """VCR.py's patchers, with the httpx and httpx2 transports handled by our stubs.

    Only the network transports are patched: MockTransport, WSGI and ASGI apps run
    in-process and need no recording.
    """

    def _httpx_patches(self, module_name: str, prefix: str) -> Iterator[Any]:
        try:
            httpx = __import__(module_name)
        except ImportError:
            return iter(())
        real_sync = getattr(vcr_patch, f"_{prefix}HttpTransport_handle_request")
        real_async = getattr(vcr_patch, f"_{prefix}AsyncHttpTransport_handle_async_request")
        triples = [
            (httpx.HTTPTransport, "handle_request", sync_handler(self._cassette, real_sync, httpx)),
            (
                httpx.AsyncHTTPTransport,
                "handle_async_request",
                async_handler(self._cassette, real_async, httpx),
            ),
        ]
        return self._build_patchers_from_mock_triples(triples)  # type: ignore[no-any-return]

    def _httpx(self) -> Iterator[Any]:
        return self._httpx_patches("httpx", "Httpx")

    def _httpx2(self) -> Iterator[Any]:
        return self._httpx_patches("httpx2", "Httpx2")


@contextlib.contextmanager
def intercepting(cassette: LLMCassette) -> Iterator[LLMCassette]:
    """Patch every supported HTTP client for the duration of the block; always unpatch."""
    with contextlib.ExitStack() as stack:
        for patcher in PatcherBuilder(cassette).build():
            stack.enter_context(patcher)
        yield cassette
