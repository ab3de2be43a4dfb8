"""A cassette's response as a client receives it when replayed: headers as stored, streams event by event.

VCR.py stores a stream as one string and plays it as one block, so a streaming client sees
every event at once. Here an SSE body goes out one chunk per event, an NDJSON body one per
line, and Gemini's JSON-array stream (``:streamGenerateContent`` without ``alt=sse``) one per
element; the chunks join back into the stored bytes exactly. A compressed body stays
compressed with its ``content-encoding``, so the client decodes it once; a body stored
decoded under a ``content-encoding`` header (aiohttp's stub) loses the header, so the client
does not decode it twice.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Mapping
from typing import Any

from pytest_llmrec import media
from pytest_llmrec.cassettes import bodies
from pytest_llmrec.storage.codec import ReplayResponse

SSE_FRAME_END = re.compile(rb"\r\n\r\n|\n\n|\r\r")
GEMINI_STREAM = ":streamGenerateContent"


def replay_response(response: Mapping[str, Any], url: str = "") -> ReplayResponse:
    """``response`` as VCR.py holds it (``status``, ``headers`` of lists, ``body.string``) to replay
    for a request to ``url``."""
    body = _bytes(response.get("body"))
    stored = response.get("headers") or {}
    pairs = [(name, str(value)) for name, values in stored.items() for value in _values(values)]
    encoding = bodies.header({name: [value] for name, value in pairs}, "content-encoding")
    is_compressed = bodies.compressed(body, encoding)
    headers = []
    for name, value in pairs:
        lower = name.lower()
        if lower == "content-encoding" and not is_compressed:
            continue
        if lower == "content-length":
            value = str(len(body))  # the stored body's, whether VCR.py decoded it or not
        headers.append((name, value))
    content_type = media.header(headers, "content-type")
    chunks = [body] if is_compressed else split(body, content_type, url)
    return ReplayResponse(int(response["status"]["code"]), headers, chunks)


def split(body: bytes, content_type: str | None, url: str = "") -> list[bytes]:
    """The chunks a provider sent the body in: one per event, line or array element; else the body."""
    kind = media.kind(content_type, body)
    if kind == "sse":
        return _frames(body)
    if kind == "ndjson":
        return body.splitlines(keepends=True) or [body]
    if kind == "json" and GEMINI_STREAM in url:
        return _array_elements(body)
    return [body]


def _frames(body: bytes) -> list[bytes]:
    """SSE events, each with the blank line that ends it; a last unterminated one kept as it is."""
    chunks, start = [], 0
    for end in SSE_FRAME_END.finditer(body):
        chunks.append(body[start : end.end()])
        start = end.end()
    if start < len(body):
        chunks.append(body[start:])
    return chunks or [body]


def _array_elements(body: bytes) -> list[bytes]:
    """``[{..},\\r\\n{..}]`` cut after each element; the body itself when it is not a JSON array."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return [body]
    decoder = json.JSONDecoder()
    position = len(text) - len(text.lstrip())
    if text[position : position + 1] != "[":
        return [body]
    position += 1
    cuts = []
    while True:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        if position >= len(text):
            return [body]  # cut short: no closing bracket
        if text[position] == "]":
            break
        try:
            _, position = decoder.raw_decode(text, position)
        except ValueError:
            return [body]
        cuts.append(position)
    if not cuts:
        return [body]
    edges = [0, *cuts[:-1], len(text)]
    return [text[a:b].encode("utf-8") for a, b in itertools.pairwise(edges)]


def _bytes(body: Any) -> bytes:
    string = body.get("string") if isinstance(body, Mapping) else body
    if isinstance(string, str):
        return string.encode("utf-8")
    return bytes(string) if isinstance(string, (bytes, bytearray)) else b""


def _values(values: Any) -> list[Any]:
    return list(values) if isinstance(values, (list, tuple)) else [values]
