"""Media types and headers: the one place that tells a JSON body from a stream, a form or other bytes.

Request keys, the response codec, stored request bodies and live rewriting all ask the
same question of a body; they ask it here so they never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

SSE_TYPE = "text/event-stream"
NDJSON_TYPES = ("application/x-ndjson", "application/jsonl", "application/ndjson")
MULTIPART_TYPE = "multipart/form-data"
FORM_TYPE = "application/x-www-form-urlencoded"
JSON_TYPE = "application/json"

Kind = Literal["sse", "ndjson", "json", "multipart", "form", "other"]
# Headers as clients hold them: a mapping (httpx, VCR.py; a value may be a list) or (name, value) pairs.
Headers = Mapping[str, Any] | Iterable[tuple[str, str]]


def header(headers: Headers, name: str) -> str | None:
    """The value of header ``name`` (lower case), whatever the case it was sent in; None if absent."""
    if isinstance(headers, Mapping):
        value = headers.get(name)  # one lookup in case-insensitive mappings (httpx, VCR.py)
        if value is None:
            value = next((v for key, v in headers.items() if key.lower() == name), None)
        if isinstance(value, (list, tuple)):
            value = value[0] if value else None
        return None if value is None else str(value)
    return next((value for key, value in headers if key.lower() == name), None)


def media_type(content_type: str | None) -> str:
    """``application/json`` from ``Application/JSON; charset=utf-8``."""
    return (content_type or "").split(";")[0].strip().lower()


def kind(content_type: str | None, body: bytes = b"") -> Kind:
    """What a body is, from its content type; a body without one counts as JSON if it looks like it."""
    media = media_type(content_type)
    if media == SSE_TYPE:
        return "sse"
    if media in NDJSON_TYPES:
        return "ndjson"
    if media == MULTIPART_TYPE:
        return "multipart"
    if media == FORM_TYPE:
        return "form"
    if "json" in media or (not media and body[:1] in (b"{", b"[")):
        return "json"
    return "other"
