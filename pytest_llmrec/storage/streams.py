"""Stream framing: Server-Sent Events and NDJSON, split into events and put back together.

Recordings hold a stream as its list of events; replay sends each event as its
own chunk, with the provider's terminator, so clients see the same framing live
and replayed. The rewriters change a live body's JSON as it passes: a stream frame by
frame, a JSON document once it is whole; both take ``feed(chunk)`` then ``finish()``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

SSE_DONE = "[DONE]"


@dataclass(frozen=True)
class SseEvent:
    """One event: its ``event:`` name, if any, and its data (parsed JSON or text)."""

    data: Any
    event: str | None = None


def _parse_data(text: str) -> Any:
    if text[:1] in ("{", "["):
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return text


def parse_sse(body: bytes) -> tuple[list[SseEvent], str | None]:
    """Events of an SSE body and its terminator (``[DONE]`` for OpenAI), comments dropped."""
    text = body.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    events: list[SseEvent] = []
    terminator = None
    for block in text.split("\n\n"):
        name = None
        data_lines = []
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "event":
                name = value
            elif field == "data":
                data_lines.append(value)
        if not data_lines and name is None:
            continue
        data = "\n".join(data_lines)
        if data == SSE_DONE and name is None:
            terminator = SSE_DONE
            continue
        events.append(SseEvent(_parse_data(data), name))
    return events, terminator


def _data_text(data: Any) -> str:
    return data if isinstance(data, str) else orjson.dumps(data).decode()


def _data_lines(data: Any) -> str:
    """``data:`` lines that a client joins back into the event's data.

    SSE data cannot hold a newline within one line: text that had several lines goes out as one
    ``data:`` line each, as it was sent. JSON goes out compact, on one line.
    """
    return "".join(f"data: {line}\n" for line in _data_text(data).split("\n"))


def render_sse(events: list[SseEvent], terminator: str | None) -> list[bytes]:
    """One chunk per event, then the terminator, as a provider sends them."""
    chunks = []
    for event in events:
        head = f"event: {event.event}\n" if event.event is not None else ""
        chunks.append(f"{head}{_data_lines(event.data)}\n".encode())
    if terminator is not None:
        chunks.append(f"data: {terminator}\n\n".encode())
    return chunks


def parse_ndjson(body: bytes) -> list[Any]:
    return [_parse_data(line) for line in body.decode("utf-8").splitlines() if line.strip()]


def render_ndjson(items: list[Any]) -> list[bytes]:
    return [f"{_data_text(item)}\n".encode() for item in items]


class Rewriter(Protocol):
    def feed(self, chunk: bytes) -> bytes:
        """What can be passed on of the body so far."""

    def finish(self) -> bytes:
        """The rest, once the body has ended."""


class JsonRewriter:
    """Rewrites a JSON document, which can only be parsed whole: passes nothing on until the end."""

    def __init__(self, rewrite_json: Callable[[bytes], bytes]) -> None:
        self._rewrite_json = rewrite_json
        self._parts: list[bytes] = []

    def feed(self, chunk: bytes) -> bytes:
        self._parts.append(chunk)
        return b""

    def finish(self) -> bytes:
        whole, self._parts = b"".join(self._parts), []
        return self._rewrite_json(whole)


class FrameRewriter:
    """Rewrites a stream's JSON payloads as the stream passes, one whole frame at a time.

    Chunks may split an event anywhere; complete frames (SSE events, NDJSON lines) leave as soon
    as their end arrives, so the client still sees the stream as it comes. A frame that spans many
    chunks (a large image in one event) is gathered in linear time: each chunk is searched once,
    with the few bytes before it where a frame end may begin.
    """

    _SSE_END = re.compile(rb"\r?\n\r?\n")
    _LINE_END = re.compile(rb"\n")

    def __init__(self, sse: bool, rewrite_json: Callable[[bytes], bytes]) -> None:
        self._end = self._SSE_END if sse else self._LINE_END
        self._overlap = 3 if sse else 0  # a frame end is at most 4 bytes: "\r\n\r\n"
        self._sse = sse
        self._rewrite_json = rewrite_json
        self._pending = bytearray()  # the unfinished frame
        self._searched = 0  # how much of it holds no frame end

    def feed(self, chunk: bytes) -> bytes:
        pending = self._pending
        pending += chunk
        out = []
        start = 0
        for match in self._end.finditer(pending, max(0, self._searched - self._overlap)):
            out.append(self._frame(bytes(pending[start : match.start()])) + match[0])
            start = match.end()
        del pending[:start]
        self._searched = len(pending)
        return b"".join(out)

    def finish(self) -> bytes:
        rest = bytes(self._pending)
        self._pending, self._searched = bytearray(), 0
        return self._frame(rest) if rest.strip() else rest

    def _frame(self, frame: bytes) -> bytes:
        if not self._sse:
            return self._rewrite_json(frame) if frame.lstrip()[:1] == b"{" else frame
        return _rewrite_sse_data(frame, self._rewrite_json)


def _rewrite_sse_data(frame: bytes, rewrite_json: Callable[[bytes], bytes]) -> bytes:
    """An SSE event with its JSON data rewritten; the data may span several ``data:`` lines.

    The client joins those lines with a newline, so they are rewritten as one document. Rewritten
    data goes out where the first data line was, one ``data:`` line per line of it (one, for JSON),
    with the event's line ends (CRLF or LF).
    """
    eol = b"\r\n" if frame.split(b"\n", 1)[0].endswith(b"\r") else b"\n"
    lines = [line.removesuffix(b"\r") for line in frame.split(b"\n")]
    at = [i for i, line in enumerate(lines) if line.startswith(b"data:")]
    data = b"\n".join(_field_value(lines[i]) for i in at)
    if data.lstrip()[:1] != b"{":
        return frame
    rewritten = rewrite_json(data)
    if rewritten == data:
        return frame
    out = [b"data: " + part for part in rewritten.split(b"\n")]
    rest = [line for i, line in enumerate(lines) if i > at[0] and i not in at]
    return eol.join([*lines[: at[0]], *out, *rest])


def _field_value(line: bytes) -> bytes:
    """A field's value: after the colon and one optional space."""
    value = line.partition(b":")[2]
    return value[1:] if value[:1] == b" " else value
