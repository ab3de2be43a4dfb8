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

from pytest_llmrec.storage import codec, streams
from pytest_llmrec.storage.recording import Recording
from pytest_llmrec.tape import LLMCassette, Plan

OnComplete = Callable[[bytes], None]


class StreamClasses(NamedTuple):
    replay: type
    tee: type
    async_tee: type


class _Collector:
    """What both tee streams keep: the chunks seen so far (rewritten, if a rewriter is given), handed
    over once when the body is whole."""

    def __init__(self, inner: Any, on_complete: OnComplete, rewriter: streams.FrameRewriter | None) -> None:
        self._inner, self._on_complete, self._done = inner, on_complete, False
        self._rewriter = rewriter
        self._parts: list[bytes] = []

    def _take(self, chunk: bytes) -> bytes:
        if self._rewriter is not None:
            chunk = self._rewriter.feed(chunk)
        self._parts.append(chunk)
        return chunk

    def _complete(self) -> bytes:
        """Finish the body; returns what the rewriter still held back."""
        rest = self._rewriter.finish() if self._rewriter is not None else b""
        if not self._done:
            self._done = True
            self._parts.append(rest)
            self._on_complete(b"".join(self._parts))
        return rest


@functools.cache
def _stream_classes(httpx: ModuleType) -> StreamClasses:
    """Stream classes built on the given module's base classes, since httpx checks isinstance."""

    class ReplayStream(httpx.SyncByteStream, httpx.AsyncByteStream):  # type: ignore[misc, name-defined]
        """A body sent in given chunks (one per stream event when replayed)."""

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
                if out := self._take(chunk):
                    yield out
            if rest := self._complete():
                yield rest

        def close(self) -> None:
            try:
                if not self._done:  # the client stopped early: read the rest so the recording is whole
                    for chunk in self._inner:
                        self._take(chunk)
                    self._complete()
            finally:
                self._inner.close()

    class AsyncTeeStream(_Collector, httpx.AsyncByteStream):  # type: ignore[misc, name-defined]
        """The async twin of TeeStream."""

        async def __aiter__(self) -> AsyncIterator[bytes]:
            async for chunk in self._inner:
                if out := self._take(chunk):
                    yield out
            if rest := self._complete():
                yield rest

        async def aclose(self) -> None:
            try:
                if not self._done:
                    async for chunk in self._inner:
                        self._take(chunk)
                    self._complete()
            finally:
                await self._inner.aclose()

    return StreamClasses(ReplayStream, TeeStream, AsyncTeeStream)


def _replayed(httpx: ModuleType, recording: Recording) -> Any:
    replay = codec.decode_response(recording.response)
    stream = _stream_classes(httpx).replay(replay.chunks)
    return httpx.Response(replay.status, headers=replay.headers, stream=stream)


def _plan(cassette: LLMCassette, request: Any, body: bytes, httpx: ModuleType) -> Plan:
    """Decide; a request that goes live gets its stable ids translated back to the real ones."""
    plan = cassette.plan(request.method, str(request.url), request.headers, body)
    if plan.replay is None:
        request.headers["accept-encoding"] = "identity"  # bodies we can read, normalise and record
        url = cassette.ids.to_real(str(request.url))
        if url != str(request.url):
            request.url = type(request.url)(url)
        real_body = cassette.ids.to_real_bytes(body)
        if real_body != body:
            request.stream = _stream_classes(httpx).replay([real_body])
            request._content = real_body  # what request.read() returns; the transport sends .stream
            request.headers["content-length"] = str(len(real_body))
    return plan


def _body_kind(response: Any) -> str | None:
    """How a live body is normalised: as whole JSON, frame by frame (SSE, NDJSON), or not at all."""
    if response.headers.get("content-encoding", "identity") not in ("identity", ""):
        return None  # the server compressed anyway: recorded after decompression, passed on as is
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "text/event-stream":
        return codec.SSE
    if media in codec.NDJSON_TYPES:
        return codec.NDJSON
    return codec.JSON if "json" in media else None


class _Live:
    """A response that went live: what the client receives, normalised, and what gets recorded."""

    def __init__(self, cassette: LLMCassette, plan: Plan, response: Any, httpx: ModuleType) -> None:
        self.cassette, self.plan, self.response, self.httpx = cassette, plan, response, httpx
        self.ids = cassette.ids.response(plan.key.digest, plan.exchange.occurrence)
        self.kind = _body_kind(response)
        self.endpoint = plan.exchange.endpoint

    def record(self, body: bytes) -> None:
        headers = self.response.headers.multi_items()
        normalized_by = self.ids if self.kind is not None else None  # a body passed on as it came is not
        self.cassette.record(self.plan, self.response.status_code, headers, body, normalized_by)

    def normalized_json(self, body: bytes) -> Any:
        """The response with its whole (already read) JSON body normalised and recorded."""
        body = self.ids.normalize_json(body, self.endpoint)
        self.response.stream = _stream_classes(self.httpx).replay([body])
        if "content-length" in self.response.headers:
            self.response.headers["content-length"] = str(len(body))
        self.record(body)
        return self.response

    def teed(self, async_: bool) -> Any:
        """The response with a stream that passes (and normalises) the body as it arrives."""
        rewriter = None
        if self.kind in codec.STREAM_FORMATS:
            endpoint = self.endpoint
            rewriter = streams.FrameRewriter(
                self.kind == codec.SSE, lambda d: self.ids.normalize_json(d, endpoint)
            )
        classes = _stream_classes(self.httpx)
        tee = classes.async_tee if async_ else classes.tee
        self.response.stream = tee(self.response.stream, self.record, rewriter)
        return self.response


def sync_handler(cassette: LLMCassette, real: Callable[..., Any], httpx: ModuleType) -> Callable[..., Any]:
    @functools.wraps(real)
    def handle_request(transport: Any, request: Any) -> Any:
        plan = _plan(cassette, request, request.read(), httpx)
        if plan.replay is not None:
            return _replayed(httpx, plan.replay)
        try:
            response = real(transport, request)
        except Exception:
            cassette.failed(plan)  # a connection error is the client's to report, never a recording
            raise
        live = _Live(cassette, plan, response, httpx)
        if live.kind != codec.JSON:
            return live.teed(async_=False)
        try:
            body = b"".join(response.stream)
        finally:
            response.stream.close()
        return live.normalized_json(body)

    return handle_request


def async_handler(cassette: LLMCassette, real: Callable[..., Any], httpx: ModuleType) -> Callable[..., Any]:
    @functools.wraps(real)
    async def handle_async_request(transport: Any, request: Any) -> Any:
        plan = _plan(cassette, request, await request.aread(), httpx)
        if plan.replay is not None:
            return _replayed(httpx, plan.replay)
        try:
            response = await real(transport, request)
        except Exception:
            cassette.failed(plan)
            raise
        live = _Live(cassette, plan, response, httpx)
        if live.kind != codec.JSON:
            return live.teed(async_=True)
        try:
            body = b"".join([chunk async for chunk in response.stream])
        finally:
            await response.stream.aclose()
        return live.normalized_json(body)

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
