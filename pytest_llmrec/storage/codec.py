"""Response bodies between the wire and a recording.

``encode_response`` turns what a server sent (status, headers, bytes) into the
stored form: typed JSON, a list of typed stream events, text, or base64.
``decode_response`` turns it back into the chunks a client receives on replay.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from pytest_llmrec import media
from pytest_llmrec.storage import encodings, payloads, streams

JSON, TEXT, BASE64, SSE, NDJSON = "json", "text", "base64", "sse", "ndjson"
FORMATS = (JSON, TEXT, BASE64, SSE, NDJSON)
STREAM_FORMATS = (SSE, NDJSON)
DEFAULT_CONTENT_TYPES = {
    JSON: media.JSON_TYPE,
    TEXT: "text/plain; charset=utf-8",
    BASE64: "application/octet-stream",
    SSE: media.SSE_TYPE,
    NDJSON: media.NDJSON_TYPES[0],
}

# Statuses SDKs retry (openai, anthropic): a replay tells them to retry without waiting.
RETRIED_STATUSES = (408, 409, 429)

# How SSE event names are kept: absent, equal to data["type"] (Anthropic, Responses API), or stored.
EVENT_NAMES_NONE, EVENT_NAMES_TYPE, EVENT_NAMES_EXPLICIT = "none", "type", "explicit"


@dataclass(frozen=True)
class StoredResponse:
    """A response as a recording holds it."""

    status: int
    format: str
    body: Any
    content_type: str | None = None
    stream: dict[str, Any] = field(default_factory=dict)
    offsets_ms: tuple[int, ...] | None = None  # a stream's event offsets (storage/pace.py), if measured
    first_byte_ms: int | None = None  # from the request to the stream's first byte, if measured

    @property
    def is_streaming(self) -> bool:
        return self.format in STREAM_FORMATS


@dataclass(frozen=True)
class ReplayResponse:
    """What a replayed response sends: status, headers and the body in its original chunks."""

    status: int
    headers: list[tuple[str, str]]
    chunks: list[bytes]
    at: tuple[float, ...] | None = None  # seconds after the first chunk each goes out; None: at once

    @property
    def content(self) -> bytes:
        return b"".join(self.chunks)


def decompress(body: bytes, content_encoding: str | None) -> bytes:
    """The body as the client reads it, so recordings hold readable bodies.

    A body that does not hold the coding its header names was decoded already: VCR.py's urllib3
    stub hands over what urllib3 decoded, the header kept. It is recorded as it is, as VCR.py's
    own ``decode_compressed_response`` treats it. A coding nothing here can read is refused.
    """
    try:
        return encodings.decode(body, content_encoding)
    except ValueError:
        return body
    except LookupError as error:
        raise ValueError(f"cannot record this response: {error}") from None


def _event_names(events: list[streams.SseEvent]) -> str:
    if all(event.event is None for event in events):
        return EVENT_NAMES_NONE
    if all(isinstance(e.data, dict) and e.event == e.data.get("type") for e in events):
        return EVENT_NAMES_TYPE
    return EVENT_NAMES_EXPLICIT


def encode_response(
    status: int,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    endpoint: str = "",
    normalize: Callable[[Any], Any] | None = None,
) -> StoredResponse:
    """The stored form of a response to ``endpoint``; ``normalize``, if given, rewrites each JSON
    value (a body or a stream event) first, e.g. to make per-call ids stable."""
    headers = list(headers)
    body = decompress(body, media.header(headers, "content-encoding"))
    content_type = media.header(headers, "content-type")
    kind = media.kind(content_type, body)

    def typed(value: Any) -> Any:
        value = normalize(value) if normalize is not None else value
        return payloads.to_typed(value, endpoint) if status < 400 else value

    if kind == "sse":
        events, terminator = streams.parse_sse(body)
        names = _event_names(events)
        if names == EVENT_NAMES_EXPLICIT:
            stored: list[Any] = [{"event": e.event, "data": typed(e.data)} for e in events]
        else:
            stored = [typed(e.data) for e in events]
        info = {"terminator": terminator, "event_names": names}
        return StoredResponse(status, SSE, stored, content_type, info)
    if kind == "ndjson":
        return StoredResponse(
            status, NDJSON, [typed(item) for item in streams.parse_ndjson(body)], content_type
        )
    if kind == "json":
        try:
            return StoredResponse(status, JSON, typed(orjson.loads(body)), content_type)
        except ValueError:
            pass
    try:
        return StoredResponse(status, TEXT, body.decode("utf-8"), content_type)
    except UnicodeDecodeError:
        return StoredResponse(status, BASE64, base64.b64encode(body).decode("ascii"), content_type)


def _sse_events(response: StoredResponse) -> list[streams.SseEvent]:
    names = response.stream.get("event_names", EVENT_NAMES_NONE)
    events = []
    for item in response.body:
        if names == EVENT_NAMES_EXPLICIT:
            events.append(streams.SseEvent(payloads.from_typed(item["data"]), item["event"]))
            continue
        data = payloads.from_typed(item)
        event = data.get("type") if names == EVENT_NAMES_TYPE and isinstance(data, dict) else None
        events.append(streams.SseEvent(data, event))
    return events


def decode_response(response: StoredResponse) -> ReplayResponse:
    """The status, headers and chunks to send for a stored response."""
    content_type = response.content_type or DEFAULT_CONTENT_TYPES[response.format]
    if response.format == SSE:
        chunks = streams.render_sse(_sse_events(response), response.stream.get("terminator"))
    elif response.format == NDJSON:
        chunks = streams.render_ndjson([payloads.from_typed(item) for item in response.body])
    elif response.format == TEXT:
        chunks = [response.body.encode("utf-8")]
    elif response.format == BASE64:
        chunks = [base64.b64decode(response.body)]
    else:
        chunks = [orjson.dumps(payloads.from_typed(response.body))]
    headers = [("content-type", content_type)]
    if response.status in RETRIED_STATUSES or response.status >= 500:
        headers.append(("retry-after-ms", "1"))  # SDKs retry a replayed failure at once, not after backoff
    return ReplayResponse(response.status, headers, chunks)
