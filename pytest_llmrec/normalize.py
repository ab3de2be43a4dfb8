"""Request-body normalisation: what may differ between two calls without being a different request.

JSON key order, float noise, multipart boundaries and user-chosen JSON paths are
removed here, so the request key only sees what the request means.
"""

from __future__ import annotations

import hashlib
import re
import urllib.parse
from typing import Any

import orjson

from pytest_llmrec import media
from pytest_llmrec.jsonpath import JsonPath

FLOAT_DIGITS = 12
_ROUNDED = (float, dict, list)  # what round_floats may change


def round_floats(value: Any) -> Any:
    """Round floats to FLOAT_DIGITS significant digits; integral floats become ints (1.0 == 1).

    Parts without a float are returned as they are, not copied.
    """
    if isinstance(value, float):
        rounded = float(f"{value:.{FLOAT_DIGITS}g}")
        return int(rounded) if rounded.is_integer() else rounded
    if isinstance(value, dict):
        inner = {key: round_floats(item) for key, item in value.items() if isinstance(item, _ROUNDED)}
        changed = {key: item for key, item in inner.items() if item is not value[key]}
        return {**value, **changed} if changed else value
    if isinstance(value, list):
        items = [round_floats(item) if isinstance(item, _ROUNDED) else item for item in value]
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
    return value


def normalize_body(body: bytes | None, content_type: str | None, ignore: tuple[JsonPath, ...] = ()) -> Any:
    """The part of a request body that identifies it, as plain JSON-able data."""
    if not body:
        return None
    kind = media.kind(content_type, body)
    if kind == "multipart":
        return _multipart_parts(body, content_type or "")
    if kind == "form":
        return sorted(urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    if kind in ("json", "ndjson"):  # a one-line NDJSON body is a JSON document
        try:
            value = orjson.loads(body)
        except ValueError:
            pass
        else:
            return normalize_json(value, ignore)
    return _opaque(body)


def normalize_json(value: Any, ignore: tuple[JsonPath, ...] = ()) -> Any:
    """A parsed JSON body as the key sees it: ``ignore`` paths dropped, floats rounded."""
    for path in ignore:
        value = path.drop_from(value)
    return round_floats(value)


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
