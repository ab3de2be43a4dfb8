"""Request-body normalisation: what may differ between two calls without being a different request.

JSON key order, float noise, multipart boundaries and user-chosen JSON paths are
removed here, so the request key only sees what the request means.
"""

from __future__ import annotations

import hashlib
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from pytest_llmrec.errors import ConfigError

FLOAT_DIGITS = 12
ANY_INDEX = "*"

_SEGMENT = re.compile(r"\[(\*|\d+)\]|([^.\[\]]+)")


@dataclass(frozen=True)
class JsonPath:
    """A parsed ``ignore`` path such as ``messages[*].name``: keys, indexes and ``*``."""

    text: str
    steps: tuple[str | int, ...]

    @classmethod
    def parse(cls, text: str) -> JsonPath:
        body = text[2:] if text.startswith("$.") else text
        steps: list[str | int] = []
        position = 0
        while position < len(body):
            if body[position] == "." and steps:
                position += 1
            match = _SEGMENT.match(body, position)
            if not match:
                raise ConfigError(
                    f"cannot parse ignore path {text!r} at character {position + 1}; "
                    "use keys, [N] and [*], e.g. 'metadata' or 'messages[*].name'"
                )
            index, key = match.groups()
            steps.append(key if key is not None else (ANY_INDEX if index == ANY_INDEX else int(index)))
            position = match.end()
        if not steps:
            raise ConfigError(f"empty ignore path {text!r}")
        return cls(text, tuple(steps))

    def drop_from(self, value: Any) -> Any:
        """Return ``value`` without what this path points at; never mutates."""
        return _drop(value, self.steps)

    def replace_in(self, value: Any, replacement: Any) -> Any:
        """Return ``value`` with what this path points at replaced; never mutates."""
        return _replace(value, self.steps, replacement)


def _drop(value: Any, steps: tuple[str | int, ...]) -> Any:
    step, rest = steps[0], steps[1:]
    if isinstance(value, dict) and isinstance(step, str) and step in value:
        if not rest:
            return {k: v for k, v in value.items() if k != step}
        return {**value, step: _drop(value[step], rest)}
    if isinstance(value, list) and isinstance(step, int) and -len(value) <= step < len(value):
        if not rest:
            return [v for i, v in enumerate(value) if i != step % len(value)]
        return [(_drop(v, rest) if i == step % len(value) else v) for i, v in enumerate(value)]
    if isinstance(value, list) and step == ANY_INDEX:
        return [] if not rest else [_drop(v, rest) for v in value]
    return value


def _replace(value: Any, steps: tuple[str | int, ...], replacement: Any) -> Any:
    step, rest = steps[0], steps[1:]

    def inner(item: Any) -> Any:
        return _replace(item, rest, replacement) if rest else replacement

    if isinstance(value, dict) and isinstance(step, str) and step in value:
        return {**value, step: inner(value[step])}
    if isinstance(value, list) and isinstance(step, int) and -len(value) <= step < len(value):
        return [(inner(v) if i == step % len(value) else v) for i, v in enumerate(value)]
    if isinstance(value, list) and step == ANY_INDEX:
        return [inner(v) for v in value]
    return value


def round_floats(value: Any) -> Any:
    """Round floats to FLOAT_DIGITS significant digits; integral floats become ints (1.0 == 1)."""
    if isinstance(value, float):
        rounded = float(f"{value:.{FLOAT_DIGITS}g}")
        return int(rounded) if rounded.is_integer() else rounded
    if isinstance(value, dict):
        return {k: round_floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [round_floats(v) for v in value]
    return value


def content_type_of(headers: Mapping[str, Any]) -> str:
    for name, value in headers.items():
        if name.lower() == "content-type":
            text = value[0] if isinstance(value, list) else value
            return str(text)
    return ""


def parse_json(body: bytes) -> Any:
    """Parse JSON or raise ValueError; used where a body claims or looks like JSON."""
    return orjson.loads(body)


def normalize_body(body: bytes | None, content_type: str, ignore: tuple[JsonPath, ...] = ()) -> Any:
    """The part of a request body that identifies it, as plain JSON-able data."""
    if not body:
        return None
    media = content_type.split(";")[0].strip().lower()
    if media == "multipart/form-data":
        return _multipart_parts(body, content_type)
    if media == "application/x-www-form-urlencoded":
        return sorted(urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    if "json" in media or (not media and body[:1] in (b"{", b"[")):
        try:
            value = parse_json(body)
        except ValueError:
            pass
        else:
            for path in ignore:
                value = path.drop_from(value)
            return round_floats(value)
    return _opaque(body)


def _opaque(content: bytes) -> Any:
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return {"sha256": hashlib.sha256(content).hexdigest(), "size": len(content)}


def _multipart_parts(body: bytes, content_type: str) -> list[dict[str, Any]]:
    """Parts of a multipart body without the per-call boundary."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        return [{"unparsed": _opaque(body)}]
    delimiter = b"--" + match.group(1).encode("latin-1")
    parts = []
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, content = chunk.strip(b"\r\n").partition(b"\r\n\r\n")
        headers = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        parts.append({"headers": headers, "content": _opaque(content)})
    return parts
