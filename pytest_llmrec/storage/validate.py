"""What replay relies on in a stored response, checked when the file is read.

``decode_response`` trusts its input: a status, a body of the shape its format says, typed
payloads it can unwrap, stream fields it can render. A file that breaks one of those would
fail later, in the SDK or the test, naming no file. ``check_response`` refuses it at once
with the file and the field path (``response.body[3].__type__``); a response that passes
replays without raising and sends what the file holds.
"""

from __future__ import annotations

import base64
import binascii
import re
from pathlib import Path
from typing import Any

import orjson

from pytest_llmrec.errors import RecordingFileError
from pytest_llmrec.storage import codec, payloads, streams

TERMINATORS = (streams.SSE_DONE,)  # the stream ends a provider sends: OpenAI's [DONE]
EVENT_NAMES = (codec.EVENT_NAMES_NONE, codec.EVENT_NAMES_TYPE, codec.EVENT_NAMES_EXPLICIT)
STREAM_KEYS = frozenset({"terminator", "event_names"})
EXPLICIT_KEYS = frozenset({"event", "data"})
TYPED_KEYS = frozenset({payloads.TYPE_KEY, payloads.DATA_KEY})
LINE_BREAKS = ("\n", "\r")
# A \u escape of a letter of "__type__" or "__data__", which would hide such a key from a byte count.
_KEY_ESCAPE = re.compile(rb"\\u00(?:5[fF]|6[145]|7[049])")


class Reader:
    """Typed access to a parsed document that names the file and field on every complaint."""

    def __init__(self, path: Path, typed_bound: int | None = None) -> None:
        self.path = path
        self.typed_bound = typed_bound  # see typed_keys_in: lets check_typed skip most walks

    def fail(self, where: str, problem: str) -> RecordingFileError:
        return RecordingFileError(self.path, where, problem)

    def get(
        self, obj: dict[str, Any], where: str, key: str, kind: type | tuple[type, ...], default: Any = ...
    ) -> Any:
        if key not in obj:
            if default is ...:
                raise self.fail(f"{where}.{key}", "missing")
            return default
        value = obj[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _kinds(kind)):
            names = " or ".join("null" if k is type(None) else k.__name__ for k in _kinds(kind))
            raise self.fail(f"{where}.{key}", f"expected {names}, got {_describe(value)}")
        return value


def _kinds(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _describe(value: Any) -> str:
    name = "null" if value is None else type(value).__name__
    return f"{name} {orjson.dumps(value).decode()[:60]}" if value is not None else name


class _Bad(Exception):
    """A malformed typed payload deep in a body; the path is collected on the way out."""

    def __init__(self, problem: str, *path: str) -> None:
        self.problem = problem
        self.path = list(path)


_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _segment(key: str) -> str:
    return f".{key}" if _PLAIN_KEY.fullmatch(key) else f"[{orjson.dumps(key).decode()}]"


def _walk(value: Any) -> None:
    """Every dict naming ``__type__`` or ``__data__`` is a well-formed typed payload."""
    if type(value) is dict:
        if payloads.TYPE_KEY in value or payloads.DATA_KEY in value:
            _typed(value)
        for key, item in value.items():
            if type(item) is dict or type(item) is list:
                try:
                    _walk(item)
                except _Bad as bad:
                    bad.path.append(_segment(key))
                    raise
    elif type(value) is list:
        for index, item in enumerate(value):
            if type(item) is dict or type(item) is list:
                try:
                    _walk(item)
                except _Bad as bad:
                    bad.path.append(f"[{index}]")
                    raise


def _typed(value: dict[str, Any]) -> None:
    for key in (payloads.TYPE_KEY, payloads.DATA_KEY):
        if key not in value:
            raise _Bad("missing: a typed payload holds both __type__ and __data__", "." + key)
    kind = value[payloads.TYPE_KEY]
    if not isinstance(kind, str) or not kind:
        raise _Bad(f"expected the SDK class path (a string), got {_describe(kind)}", "." + payloads.TYPE_KEY)
    extra = sorted(set(value) - TYPED_KEYS)
    if extra:
        raise _Bad(f"a typed payload holds only __type__ and __data__; replay would drop {extra}")


def typed_keys_in(data: bytes) -> int | None:
    """At most how many ``__type__`` and ``__data__`` keys a file's bytes hold, or None if unknown.

    Each such key is a string ending in ``__"``; a quote inside a JSON string is escaped, so every
    ``__"`` in the bytes ends a key or a value: an upper bound, unless ``\\u`` escapes spell a key.
    One scan for each, as cheap as reading the bytes.
    """
    if b"\\u00" in data and _KEY_ESCAPE.search(data):
        return None
    return data.count(b'__"')


def _shallow(value: Any) -> int:
    """The typed payloads where the encoder puts them (a body, its items, a list's ``data``),
    each checked; returns how many keys they account for. Nested ones are left to ``_walk``."""
    if type(value) is dict:
        if payloads.TYPE_KEY in value or payloads.DATA_KEY in value:
            _typed(value)
            return 2
        items = value.get("data")
        return _shallow_items(items) if type(items) is list else 0
    return _shallow_items(value) if type(value) is list else 0


def _shallow_items(items: list[Any]) -> int:
    found = 0
    type_key, data_key = payloads.TYPE_KEY, payloads.DATA_KEY
    for index, item in enumerate(items):
        if type(item) is not dict:
            continue
        if len(item) == 2 and data_key in item and type(kind := item.get(type_key)) is str and kind:
            found += 2  # the common case, well formed, decided inline: this loop runs per event
            continue
        inner = item.get("data")
        if type(inner) is dict and (payloads.TYPE_KEY in inner or payloads.DATA_KEY in inner):
            where, item = f"[{index}].data", inner  # an explicitly named SSE event's data
        else:
            where = f"[{index}]"
        if payloads.TYPE_KEY in item or payloads.DATA_KEY in item:
            try:
                _typed(item)
            except _Bad as bad:
                bad.path.append(where)
                raise
            found += 2
    return found


def check_typed(reader: Reader, where: str, value: Any) -> None:
    """Raise naming the first malformed typed payload in ``value``.

    Skips the walk when the file's bytes (``reader.typed_bound``) show that every typed key
    sits where ``_shallow`` looks, as in every file the encoder writes.
    """
    try:
        if reader.typed_bound is None or _shallow(value) < reader.typed_bound:
            _walk(value)
    except _Bad as bad:
        raise reader.fail(where + "".join(reversed(bad.path)), bad.problem) from None


def check_status(reader: Reader, status: Any) -> None:
    if type(status) is not int:
        raise reader.fail("response.status", f"expected int, got {_describe(status)}")
    if not 100 <= status <= 599:
        raise reader.fail("response.status", f"{status} is not an HTTP status (100-599)")
    if status < 200:
        raise reader.fail("response.status", f"{status} is an interim response, not an answer to replay")
    if 300 <= status < 400:
        raise reader.fail(
            "response.status", f"{status} is a redirect: a recording does not keep its Location to follow"
        )


def check_response(reader: Reader, response: codec.StoredResponse) -> None:
    """Everything ``codec.decode_response`` relies on, or a RecordingFileError naming the field."""
    check_status(reader, response.status)
    if response.format not in codec.FORMATS:
        raise reader.fail("response.format", f"unknown format {response.format!r}")
    content_type = response.content_type
    if content_type is not None and (
        not isinstance(content_type, str) or not content_type or _has_control(content_type)
    ):
        raise reader.fail(
            "response.headers.content-type", f"expected a one-line string, got {_describe(content_type)}"
        )
    _BODY_CHECKS[response.format](reader, response)


def _has_control(text: str) -> bool:
    return any(ord(char) < 32 or ord(char) == 127 for char in text)


def _json_body(reader: Reader, response: codec.StoredResponse) -> None:
    body = response.body
    if isinstance(body, str) and body.lstrip()[:1] in ("{", "["):
        try:
            orjson.loads(body)
        except orjson.JSONDecodeError:
            return  # a JSON string that happens to start with a brace: sent as the file says
        raise reader.fail(
            "response.body",
            "holds JSON text inside a string, which replay would send quoted: "
            "store the object itself, or use format text",
        )
    check_typed(reader, "response.body", body)


def _text_body(reader: Reader, response: codec.StoredResponse) -> None:
    if not isinstance(response.body, str):
        raise reader.fail("response.body", f"a text body must be a string, got {_describe(response.body)}")


def _base64_body(reader: Reader, response: codec.StoredResponse) -> None:
    body = response.body
    if not isinstance(body, str):
        raise reader.fail("response.body", f"a base64 body must be a string, got {_describe(body)}")
    try:
        base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError) as error:
        raise reader.fail("response.body", f"not valid base64 ({error})") from None


def check_size(reader: Reader, response: dict[str, Any], body: str) -> None:
    """A base64 body's ``size``, where the file gives one, is the number of bytes it decodes to."""
    if "size" not in response:
        return
    size = reader.get(response, "response", "size", int)
    decoded = len(base64.b64decode(body))
    if size != decoded:
        raise reader.fail("response.size", f"says {size} bytes, but the body decodes to {decoded}")


def _ndjson_body(reader: Reader, response: codec.StoredResponse) -> None:
    items = _event_list(reader, response)
    for index, item in enumerate(items):
        if isinstance(item, str) and any(mark in item for mark in LINE_BREAKS):
            raise reader.fail(f"response.body[{index}]", "an ndjson line cannot hold a line break")
    check_typed(reader, "response.body", items)


def _event_list(reader: Reader, response: codec.StoredResponse) -> list[Any]:
    if not isinstance(response.body, list):
        raise reader.fail(
            "response.body",
            f"a {response.format} stream must be a list of events, got {_describe(response.body)}",
        )
    if response.format != codec.SSE and response.stream:
        raise reader.fail("response.stream", f"only an sse stream has stream fields, not {response.format}")
    return response.body


def _sse_body(reader: Reader, response: codec.StoredResponse) -> None:
    events = _event_list(reader, response)
    stream = response.stream
    if not isinstance(stream, dict):
        raise reader.fail("response.stream", f"expected an object, got {_describe(stream)}")
    unknown = sorted(set(stream) - STREAM_KEYS)
    if unknown:
        raise reader.fail(f"response.stream.{unknown[0]}", "unknown field: known are terminator, event_names")
    terminator = stream.get("terminator")
    if terminator is not None and terminator not in TERMINATORS:
        raise reader.fail(
            "response.stream.terminator",
            f"expected null or {' or '.join(TERMINATORS)}, got {_describe(terminator)}",
        )
    names = stream.get("event_names", codec.EVENT_NAMES_NONE)
    if names not in EVENT_NAMES:
        raise reader.fail(
            "response.stream.event_names", f"expected one of {EVENT_NAMES}, got {_describe(names)}"
        )
    if names == codec.EVENT_NAMES_EXPLICIT:
        for index, item in enumerate(events):
            _explicit_event(reader, f"response.body[{index}]", item)
    elif names == codec.EVENT_NAMES_TYPE:
        for index, item in enumerate(events):
            _type_named_event(reader, f"response.body[{index}]", item)
    check_typed(reader, "response.body", events)


def _explicit_event(reader: Reader, where: str, item: Any) -> None:
    if not isinstance(item, dict) or set(item) != EXPLICIT_KEYS:
        got = f"an object with keys {sorted(item)}" if isinstance(item, dict) else _describe(item)
        raise reader.fail(where, f'event_names "explicit" needs {{"event": ..., "data": ...}}, got {got}')
    name = item["event"]
    if name is not None and (not isinstance(name, str) or _has_control(name)):
        raise reader.fail(where + ".event", f"expected a one-line string or null, got {_describe(name)}")


def _type_named_event(reader: Reader, where: str, item: Any) -> None:
    data = payloads.from_typed(item)
    name = data.get("type") if isinstance(data, dict) else None
    if not isinstance(name, str) or _has_control(name):
        raise reader.fail(
            where, 'event_names "type" needs each event to be an object with a one-line string "type"'
        )


_BODY_CHECKS = {
    codec.JSON: _json_body,
    codec.TEXT: _text_body,
    codec.BASE64: _base64_body,
    codec.SSE: _sse_body,
    codec.NDJSON: _ndjson_body,
}


def check_mapping(reader: Reader, mapping: Any) -> dict[str, str]:
    """``id_normalization_mapping``: stable id -> the real id it stood for."""
    where = "id_normalization_mapping"
    if not isinstance(mapping, dict):
        raise reader.fail(where, f"expected an object, got {_describe(mapping)}")
    for stable, real in mapping.items():
        if not stable:
            raise reader.fail(where, "expected stable ids as keys, got an empty one")
        if not isinstance(real, str) or not real:  # an empty real id would match everywhere
            raise reader.fail(f"{where}{_segment(stable)}", f"expected the real id, got {_describe(real)}")
    return mapping
