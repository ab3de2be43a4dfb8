"""A VCR.py cassette file read as VCR.py reads it, without ever running code from it.

VCR.py's YAML serializer loads with a safe loader extended for a few Python tags; cassettes
written by older versions carry more (``!!python/unicode``, ``!!python/str``,
``!!python/bytes``). This reader takes the YAML and JSON serializers' output, gzipped or not
(``.yaml.gz``), in both layouts VCR.py wrote (``interactions:`` of request/response pairs, and
``requests:`` / ``responses:`` lists, as its persisters hand them over), and returns VCR.py's own
``Request`` objects and response dicts. A file that is not such a cassette raises
``RecordingFileError`` naming the file and the field, e.g. ``interactions[3].response.status.code``.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from vcr.request import Request

from pytest_llmrec.cassettes import bodies
from pytest_llmrec.cassettes.bodies import body_bytes
from pytest_llmrec.errors import RecordingFileError

GZIP_MAGIC = b"\x1f\x8b"
YAML, JSON = "yaml", "json"
Cassette = tuple[list[Request], list[dict[str, Any]]]


@dataclass(frozen=True)
class Interactions:
    """A cassette's pairs, and where each response is in the file (``interactions[3].response``)."""

    requests: list[Request]
    responses: list[dict[str, Any]]
    fields: list[str]


class CassetteLoader(yaml.SafeLoader):
    """YAML's safe loader, plus the harmless Python tags old cassettes hold: never constructs objects."""


def _python_str(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


def _python_bytes(loader: yaml.SafeLoader, node: yaml.Node) -> bytes:
    text = str(loader.construct_scalar(node))  # type: ignore[arg-type]
    try:
        return base64.b64decode(text.encode("ascii"), validate=False)
    except (binascii.Error, UnicodeEncodeError) as error:
        raise yaml.constructor.ConstructorError(
            None, None, f"bad !!python/bytes: {error}", node.start_mark
        ) from None


def _python_tuple(loader: yaml.SafeLoader, node: yaml.Node) -> list[Any]:
    return list(loader.construct_sequence(node))  # type: ignore[arg-type]


def _bytes_io(loader: yaml.SafeLoader, node: yaml.Node) -> bytes:
    """A file-like request body VCR.py pickled as ``_io.BytesIO``: its content only."""
    if not isinstance(node, yaml.MappingNode):
        return b""
    state = loader.construct_mapping(node, deep=True).get("state") or [b""]
    data = state[0] if isinstance(state, (list, tuple)) and state else b""
    return data.encode("utf-8") if isinstance(data, str) else data if isinstance(data, bytes) else b""


def _iterator(loader: yaml.SafeLoader, node: yaml.Node) -> list[Any]:
    """An iterator request body VCR.py pickled as ``builtins.iter``: the items it held."""
    if not isinstance(node, yaml.MappingNode):
        return []
    args = loader.construct_mapping(node, deep=True).get("args") or [[]]
    items = args[0] if isinstance(args, (list, tuple)) and args else []
    return list(items) if isinstance(items, (list, tuple)) else []


for _tag in ("python/str", "python/unicode"):
    CassetteLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _python_str)
CassetteLoader.add_constructor("tag:yaml.org,2002:python/bytes", _python_bytes)
CassetteLoader.add_constructor("tag:yaml.org,2002:python/tuple", _python_tuple)
CassetteLoader.add_constructor("tag:yaml.org,2002:python/object/new:_io.BytesIO", _bytes_io)
CassetteLoader.add_constructor("tag:yaml.org,2002:python/object/apply:builtins.iter", _iterator)


def suffix_serializer(path: Path) -> str | None:
    """The serializer a name says: JSON for ``.json(.gz)``, YAML for ``.yaml`` / ``.yml``; else None."""
    name = path.name[:-3] if path.name.endswith(".gz") else path.name
    if name.endswith(".json"):
        return JSON
    return YAML if name.endswith((".yaml", ".yml")) else None


def serializer_of(path: Path) -> str:
    """The serializer the name says, else YAML (VCR.py's default)."""
    return suffix_serializer(path) or YAML


def read_cassette(path: Path, serializer: str | None = None) -> Cassette:
    """The cassette's requests and responses, as VCR.py's persister hands them to its ``Cassette``."""
    found = read_interactions(path, serializer)
    return found.requests, found.responses


def read_interactions(path: Path, serializer: str | None = None) -> Interactions:
    """The cassette's pairs; an empty file holds none, as VCR.py treats it as missing."""
    text = read_text(path)
    if not text.strip():
        return Interactions([], [], [])
    return parse_cassette(text, path, serializer or serializer_of(path))


def read_text(path: Path) -> str:
    """The file's text, gunzipped when it starts as gzip does (whatever its suffix)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise RecordingFileError(path, "<file>", f"cannot be read: {error.strerror or error}") from None
    if data.startswith(GZIP_MAGIC):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as error:
            raise RecordingFileError(path, "<file>", f"not a whole gzip file ({error})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RecordingFileError(path, "<file>", f"not UTF-8 text (byte {error.start})") from None


def parse_cassette(text: str, path: Path, serializer: str = YAML) -> Interactions:
    """A cassette's text, parsed by the serializer that wrote it, then checked field by field."""
    return interactions(_parse(text, path, serializer), path)


def _parse(text: str, path: Path, serializer: str) -> Any:
    if serializer == JSON:
        try:
            return json.loads(text)
        except (ValueError, RecursionError) as error:
            raise RecordingFileError(path, "<document>", f"not JSON ({error})") from None
    try:
        return yaml.load(text, Loader=CassetteLoader)  # safe: see CassetteLoader
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = f"{error.problem or error.context}"
        if isinstance(error, yaml.constructor.ConstructorError):
            problem += "; pytest-llmrec never constructs Python objects from a cassette"
        problem = f"not a readable YAML cassette: {problem}{where}"
        raise RecordingFileError(path, "<document>", problem) from None
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as error:
        raise RecordingFileError(path, "<document>", f"not a readable YAML cassette ({error})") from None


def interactions(data: Any, path: Path) -> Interactions:
    """The pairs of a parsed cassette: ``interactions:``, ``requests:``/``responses:``, or a bare list
    (VCR.py before 1.0)."""
    if isinstance(data, list):  # before VCR.py 1.0: a list of request/response pairs
        return _pairs(data, path, "")
    if not isinstance(data, Mapping):
        raise RecordingFileError(path, "<document>", f"not a VCR.py cassette: a {_kind(data)}, not a mapping")
    if "interactions" in data:
        found = data["interactions"]
        if found is None:
            return Interactions([], [], [])
        if not isinstance(found, list):
            raise RecordingFileError(path, "interactions", f"a {_kind(found)}, not a list")
        return _pairs(found, path, "interactions")
    if "requests" in data and "responses" in data:
        return _lists(data["requests"], data["responses"], path)
    raise RecordingFileError(
        path, "<document>", "not a VCR.py cassette: no 'interactions' (nor 'requests' and 'responses')"
    )


def _pairs(found: list[Any], path: Path, field: str) -> Interactions:
    requests, responses, fields = [], [], []
    for index, pair in enumerate(found):
        where = f"{field}[{index}]"
        if not isinstance(pair, Mapping):
            raise RecordingFileError(path, where, f"a {_kind(pair)}, not a request/response mapping")
        for part in ("request", "response"):
            if part not in pair:
                raise RecordingFileError(path, f"{where}.{part}", "missing")
        requests.append(request_from(pair["request"], path, f"{where}.request"))
        responses.append(response_from(pair["response"], path, f"{where}.response"))
        fields.append(f"{where}.response")
    return Interactions(requests, responses, fields)


def _lists(found: Any, answers: Any, path: Path) -> Interactions:
    for name, value in (("requests", found), ("responses", answers)):
        if not isinstance(value, list):
            raise RecordingFileError(path, name, f"a {_kind(value)}, not a list")
    if len(found) != len(answers):
        raise RecordingFileError(
            path, "responses", f"{len(answers)} responses for {len(found)} requests: the lists must pair up"
        )
    requests = [request_from(item, path, f"requests[{n}]") for n, item in enumerate(found)]
    fields = [f"responses[{n}]" for n in range(len(answers))]
    responses = [response_from(item, path, where) for item, where in zip(answers, fields, strict=True)]
    return Interactions(requests, responses, fields)


def request_from(value: Any, path: Path, field: str) -> Request:
    """VCR.py's ``Request`` for a stored request: method and uri strings, headers, a body as bytes."""
    value = _mapping(value, path, field)
    method = _string(value, "method", path, field)
    uri = _string(value, "uri", path, field)
    headers = _headers(value.get("headers"), path, f"{field}.headers")
    body = body_bytes(value.get("body"), path, f"{field}.body")
    return Request(method, uri, body, {name: values[0] for name, values in headers.items() if values})


def response_from(value: Any, path: Path, field: str) -> dict[str, Any]:
    """A stored response as VCR.py holds it: status code and message, headers as lists, body bytes."""
    value = _mapping(value, path, field)
    status = _mapping(value.get("status"), path, f"{field}.status")
    code = status.get("code")
    if isinstance(code, str) and code.strip().isdigit():
        code = int(code)
    if not isinstance(code, int) or isinstance(code, bool) or not 100 <= code <= 999:
        raise RecordingFileError(path, f"{field}.status.code", f"{code!r} is not an HTTP status code")
    message = status.get("message")
    body = value.get("body")
    string = body.get("string") if isinstance(body, Mapping) else body
    headers = _headers(value.get("headers"), path, f"{field}.headers")
    data = body_bytes(string, path, f"{field}.body") or b""
    bodies.check_readable(data, bodies.header(headers, "content-encoding"), path, f"{field}.body")
    return {
        **{key: item for key, item in value.items() if key not in ("status", "headers", "body")},
        "status": {"code": code, "message": message if isinstance(message, str) else ""},
        "headers": headers,
        "body": {"string": data},
    }


def _headers(value: Any, path: Path, field: str) -> dict[str, list[str]]:
    """Header names as stored (any case); each value a list of strings, as VCR.py writes them."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise RecordingFileError(path, field, f"a {_kind(value)}, not a mapping of names to values")
    headers: dict[str, list[str]] = {}
    for name, values in value.items():
        if not isinstance(name, str):
            raise RecordingFileError(path, field, f"header name {name!r} is not a string")
        items = values if isinstance(values, list) else [values]
        for item in items:
            if isinstance(item, bool) or not isinstance(item, (str, int, float)):
                raise RecordingFileError(path, f"{field}.{name}", f"a {_kind(item)}, not a header value")
        headers[name] = [str(item) for item in items]
    return headers


def _mapping(value: Any, path: Path, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise RecordingFileError(path, field, f"a {_kind(value)}, not a mapping")
    return value


def _string(value: Mapping[str, Any], key: str, path: Path, field: str) -> str:
    found = value.get(key)
    if not isinstance(found, str) or not found:
        shown = "missing" if found is None else f"{found!r} is not a non-empty string"
        raise RecordingFileError(path, f"{field}.{key}", shown)
    return found


def _kind(value: Any) -> str:
    names = {dict: "mapping", list: "list", str: "string", bytes: "binary string", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def read_custom(path: Path, serializer: Any) -> Cassette:
    """A cassette written by a serializer the user registered on VCR.py: read by it, as VCR.py would."""
    from vcr.serialize import deserialize

    text = read_text(path)
    if not text.strip():
        return [], []
    try:
        requests, responses, *_ = deserialize(text, serializer)
    except Exception as error:  # a user's serializer may raise anything
        raise RecordingFileError(path, "<document>", f"its serializer cannot read it ({error})") from None
    return list(requests), list(responses)
