"""Our stubs for httpx and httpx2 transports: live streams pass through, replayed streams come per event.

VCR.py's httpx stub joins a whole streamed response before the client sees its first
byte and replays it as one block. These hand a live body to the client chunk by chunk
through the tape's ``Take`` (which makes its ids stable and records it once whole), and
replay a stream event by event. Under ``--llm-record=verify`` they also send a replayed request
live and hand its whole answer to the plan to compare. One module serves httpx and httpx2: the
stream classes are built on whichever module the patched transport belongs to.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Iterator
from types import ModuleType
from typing import Any, NamedTuple

from pytest_llmrec import stream_timing
from pytest_llmrec.plan import Plan, Take
from pytest_llmrec.storage.codec import ReplayResponse
from pytest_llmrec.tape import Tape


class StreamClasses(NamedTuple):
    replay: type
    tee: type
    async_tee: type


class _Replay:
    """A body sent in given chunks (one per stream event when replayed), each at its time if ``at``
    gives one (``--llm-stream-timing``)."""

    def __init__(self, chunks: list[bytes], at: tuple[float, ...] | None = None) -> None:
        self._chunks, self._at = chunks, at

    def __iter__(self) -> Iterator[bytes]:
        if self._at is None:
            yield from self._chunks
        else:
            yield from stream_timing.chunks_at(self._chunks, self._at)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in stream_timing.achunks_at(self._chunks, self._at):
            yield chunk


class _Tee:
    """Passes a live body through the take as it arrives."""

    def __init__(self, inner: Any, take: Take) -> None:
        self._inner, self._take = inner, take

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._inner:
            if out := self._take.feed(chunk):
                yield out
        if rest := self._take.finish():
            yield rest

    def close(self) -> None:
        try:
            if not self._take.finished:  # the client stopped early: read the rest, record it whole
                for chunk in self._inner:
                    self._take.feed(chunk)
                self._take.finish()
        finally:
            self._inner.close()


class _AsyncTee:
    """The async twin of _Tee."""

    def __init__(self, inner: Any, take: Take) -> None:
        self._inner, self._take = inner, take

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            if out := self._take.feed(chunk):
                yield out
        if rest := self._take.finish():
            yield rest

    async def aclose(self) -> None:
        try:
            if not self._take.finished:
                async for chunk in self._inner:
                    self._take.feed(chunk)
                self._take.finish()
        finally:
            await self._inner.aclose()


@functools.cache
def _stream_classes(httpx: ModuleType) -> StreamClasses:
    """The streams above on the given module's base classes, since httpx checks isinstance."""
    return StreamClasses(
        replay=type("ReplayStream", (_Replay, httpx.SyncByteStream, httpx.AsyncByteStream), {}),
        tee=type("TeeStream", (_Tee, httpx.SyncByteStream), {}),
        async_tee=type("AsyncTeeStream", (_AsyncTee, httpx.AsyncByteStream), {}),
    )


def _replayed(httpx: ModuleType, replay: ReplayResponse) -> Any:
    stream = _stream_classes(httpx).replay(replay.chunks, replay.at)
    return httpx.Response(replay.status, headers=replay.headers, stream=stream)


def _send_as_planned(request: Any, plan: Plan, body: bytes, httpx: ModuleType) -> None:
    """What goes live: the plan's URL and body (real ids), and a body we can read and record."""
    request.headers["accept-encoding"] = "identity"
    if plan.url != str(request.url):
        request.url = type(request.url)(plan.url)
    if plan.body is not None and plan.body != body:
        request.stream = _stream_classes(httpx).replay([plan.body])
        request._content = plan.body  # what request.read() returns; the transport sends .stream
        request.headers["content-length"] = str(len(plan.body))


def _whole(httpx: ModuleType, response: Any, take: Take, body: bytes) -> Any:
    """The response with its whole (already read) body passed through the take."""
    body = take.feed(body) + take.finish()
    response.stream = _stream_classes(httpx).replay([body])
    if "content-length" in response.headers:
        response.headers["content-length"] = str(len(body))
    return response


def sync_handler(tape: Callable[[], Tape], real: Callable[..., Any], httpx: ModuleType) -> Callable[..., Any]:
    """``tape`` gives the tape of the test running now."""

    def verify(transport: Any, request: Any, plan: Plan, body: bytes) -> None:
        """Send the request live and hand its whole answer to the plan, which compares it."""
        _send_as_planned(request, plan, body, httpx)
        try:
            response = real(transport, request)
            try:
                whole = b"".join(response.stream)
            finally:
                response.stream.close()
        except Exception as error:
            plan.unverified(error)
            return
        plan.verified(response.status_code, response.headers.multi_items(), whole)

    @functools.wraps(real)
    def handle_request(transport: Any, request: Any) -> Any:
        body = request.read()
        plan = tape().plan(request.method, str(request.url), request.headers, body)
        if plan.replay is not None:
            if plan.verify is not None:
                verify(transport, request, plan, body)
            return _replayed(httpx, plan.replay)
        _send_as_planned(request, plan, body, httpx)
        try:
            response = real(transport, request)
        except Exception:
            plan.failed()  # a connection error is the client's to report, never a recording
            raise
        take = plan.respond(response.status_code, response.headers.multi_items())
        if not take.whole:
            response.stream = _stream_classes(httpx).tee(response.stream, take)
            return response
        try:
            whole = b"".join(response.stream)
        finally:
            response.stream.close()
        return _whole(httpx, response, take, whole)

    return handle_request


def async_handler(
    tape: Callable[[], Tape], real: Callable[..., Any], httpx: ModuleType
) -> Callable[..., Any]:
    async def verify(transport: Any, request: Any, plan: Plan, body: bytes) -> None:
        _send_as_planned(request, plan, body, httpx)
        try:
            response = await real(transport, request)
            try:
                whole = b"".join([chunk async for chunk in response.stream])
            finally:
                await response.stream.aclose()
        except Exception as error:
            plan.unverified(error)
            return
        plan.verified(response.status_code, response.headers.multi_items(), whole)

    @functools.wraps(real)
    async def handle_async_request(transport: Any, request: Any) -> Any:
        body = await request.aread()
        plan = tape().plan(request.method, str(request.url), request.headers, body)
        if plan.replay is not None:
            if plan.verify is not None:
                await verify(transport, request, plan, body)
            return _replayed(httpx, plan.replay)
        _send_as_planned(request, plan, body, httpx)
        try:
            response = await real(transport, request)
        except Exception:
            plan.failed()
            raise
        take = plan.respond(response.status_code, response.headers.multi_items())
        if not take.whole:
            response.stream = _stream_classes(httpx).async_tee(response.stream, take)
            return response
        try:
            whole = b"".join([chunk async for chunk in response.stream])
        finally:
            await response.stream.aclose()
        return _whole(httpx, response, take, whole)

    return handle_async_request
