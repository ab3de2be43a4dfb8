"""llama-stack's recordings, found by what they contain rather than by their names.

llama-stack names a file after its own hash of the request, and 147 files of its
published corpus no longer match that hash. So a directory holding such files is
indexed once per run by content: the request's path on the wire, its test id, and
its normalised body. A lookup then compares a live request with the few files of
the same path and test id.

Four shapes exist. SDK-level files hold the SDK's keyword arguments as the body
and SDK objects as the response. HTTP-level files hold a ``payload`` and plain JSON
or raw SSE lines. ``models-*.json`` files each hold part of a model list, which
llama-stack merges on replay. google-genai files hold SDK arguments with no URL at
all; ``genai.py`` finds the HTTP request they stand for.
"""

from __future__ import annotations

import ast
import hashlib
import threading
import urllib.parse
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from pytest_llmrec import codec, genai, payloads
from pytest_llmrec.errors import RecordingFileError
from pytest_llmrec.matching import canonical_json
from pytest_llmrec.normalize import JsonPath, normalize_body
from pytest_llmrec.recording import Recording, StoredRequest

MODEL_LIST_SUFFIXES = ("/models",)
JSON_TYPE = "application/json"


@dataclass(frozen=True)
class Entry:
    """One indexed file: enough to pick it without reading it again."""

    path: Path
    wire_path: str
    test_id: str | None
    body_digest: str
    is_model_list: bool
    genai: bool = False  # a google-genai SDK call, matched through the HTTP request it stands for


@dataclass
class ForeignIndex:
    """The llama-stack files directly inside one directory, by (wire path, test id)."""

    root: Path
    entries: dict[tuple[str, str | None], list[Entry]] = field(default_factory=lambda: defaultdict(list))
    skipped: dict[Path, str] = field(default_factory=dict)
    shadowed: dict[Path, Path] = field(default_factory=dict)

    @classmethod
    def build(cls, root: Path) -> ForeignIndex:
        index = cls(root)
        seen: dict[tuple[str, str | None, str], Path] = {}
        for path in sorted(root.glob("*.json")) if root.is_dir() else []:
            try:
                entry = _entry(path, orjson.loads(path.read_bytes()))
            except (ValueError, RecordingFileError) as error:
                index.skipped[path] = str(error)
                continue
            if isinstance(entry, str):
                index.skipped[path] = entry
                continue
            identity = (entry.wire_path, entry.test_id, entry.body_digest)
            if identity in seen and not entry.is_model_list:
                index.shadowed[path] = seen[identity]  # same request twice: the first name wins
                continue
            seen[identity] = path
            index.entries[(entry.wire_path, entry.test_id)].append(entry)
        return index

    def candidates(self, wire_path: str, test_id: str | None) -> list[Entry]:
        return self.entries.get((wire_path, test_id), [])

    def __len__(self) -> int:
        return sum(len(entries) for entries in self.entries.values())


class ForeignIndexes:
    """Indexes built on first use and kept for the whole run, one per directory."""

    def __init__(self) -> None:
        self._indexes: dict[Path, ForeignIndex] = {}
        self._lock = threading.Lock()

    def __getitem__(self, root: Path) -> ForeignIndex:
        with self._lock:
            if root not in self._indexes:
                self._indexes[root] = ForeignIndex.build(root)
            return self._indexes[root]


def wire_path(document: dict[str, Any]) -> str:
    """The URL path the client really sent.

    llama-stack stores ``base_url + endpoint`` with an endpoint that repeats the base
    URL's ``/v1`` (``.../openai/v1/v1/chat/completions``); the wire path drops it once.
    """
    request = document["request"]
    path = urllib.parse.urlsplit(request.get("url") or "").path
    endpoint = request.get("endpoint") or ""
    if "payload" not in request and endpoint.startswith("/v1/") and path.endswith(endpoint):
        return path[: -len(endpoint)] + endpoint[3:]
    return path


def _recorded_body(request: dict[str, Any]) -> Any:
    """The JSON the SDK sent for the recorded arguments: ``extra_body`` merged in, ``extra_query``
    moved to the URL."""
    body = request["payload"] if "payload" in request else request.get("body")
    if isinstance(body, dict):
        plain = {k: v for k, v in body.items() if k not in ("extra_body", "extra_query")}
        body = {**plain, **(body.get("extra_body") or {})}
    return body or None


def body_digest(body: Any, ignore: tuple[JsonPath, ...] = ()) -> str:
    return _digest(orjson.dumps(body) if body is not None else b"", ignore)


def _digest(raw: bytes | None, ignore: tuple[JsonPath, ...], content_type: str = JSON_TYPE) -> str:
    return hashlib.sha256(canonical_json(normalize_body(raw, content_type, ignore))).hexdigest()


def _recorded_digest(entry: Entry, ignore: tuple[JsonPath, ...]) -> str:
    """The digest of an indexed file's body under the test's ignore paths."""
    document = _read(entry.path)
    if entry.genai:
        sent = genai.wire_request(document)
        return _digest(sent[1], ignore) if not isinstance(sent, str) else ""
    return body_digest(_recorded_body(document["request"]), ignore)


def _entry(path: Path, document: Any) -> Entry | str:
    """The index entry for a file, or why it cannot be replayed over HTTP."""
    if not isinstance(document, dict) or not isinstance(document.get("request"), dict):
        return "not a llama-stack recording (no request object)"
    request = document["request"]
    if "tool_name" in request or "api" in request:
        return "records a tool or file-processor call, not an HTTP request"
    url = request.get("url") or ""
    if "response" not in document:
        return "has no response"
    test_id = document.get("test_id") if isinstance(document.get("test_id"), str) else None
    if url.startswith("vertexai:"):
        sent = genai.wire_request(document)
        if isinstance(sent, str):
            return sent
        return Entry(path, sent[0], test_id, _digest(sent[1], ()), is_model_list=False, genai=True)
    if not url.startswith(("http://", "https://")):
        return f"records a {url.partition(':')[0] or 'non-HTTP'} SDK call, which sends no request to match"
    path_on_wire = wire_path(document)
    return Entry(
        path=path,
        wire_path=path_on_wire,
        test_id=test_id,
        body_digest=body_digest(_recorded_body(request)),
        is_model_list=path.name.startswith("models-") or path_on_wire.endswith(MODEL_LIST_SUFFIXES),
    )


def _read(path: Path) -> dict[str, Any]:
    try:
        document = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as error:
        raise RecordingFileError(path, "<document>", f"not valid JSON ({error})") from None
    if not isinstance(document, dict):
        raise RecordingFileError(path, "<document>", "expected a JSON object")
    return document


def find(
    indexes: list[ForeignIndex],
    wire: str,
    body: bytes | None,
    content_type: str,
    scope: str,
    ignore: tuple[JsonPath, ...],
) -> tuple[Path, Recording] | None:
    """The recording that answers a live request, from the first index that has one.

    A model list answers whatever its query: llama-stack keys them by path and test id alone.
    """
    live = _digest(body, ignore, content_type)
    wire = genai.match_path(wire)
    test_id = _test_id(indexes, wire, scope)
    for index in indexes:
        for entry in index.candidates(wire, test_id):
            if entry.is_model_list:
                return entry.path, merged_model_list(indexes, wire, test_id)
            recorded = _recorded_digest(entry, ignore) if ignore else entry.body_digest
            if recorded == live:
                return entry.path, to_recording(_read(entry.path), entry.path)
    return None


def _test_id(indexes: list[ForeignIndex], wire: str, scope: str) -> str | None:
    """The test's own recordings if it has any for this path, else those made outside any test."""
    return scope if any(index.candidates(wire, scope) for index in indexes) else None


def merged_model_list(indexes: list[ForeignIndex], wire: str, test_id: str | None) -> Recording:
    """What llama-stack answers for a model list: every matching file's models, one per id, sorted."""
    models: dict[str, Any] = {}
    first: tuple[Path, dict[str, Any]] | None = None
    for index in indexes:
        for entry in index.candidates(wire, test_id):
            document = _read(entry.path)
            first = first or (entry.path, document)
            body = document.get("response", {}).get("body")
            for item in body if isinstance(body, list) else []:
                data = payloads.from_typed(item)
                if isinstance(data, dict) and isinstance(data.get("id"), str):
                    models[data["id"]] = item
    assert first is not None, "merged_model_list needs at least one candidate"
    page = {"object": "list", "data": [models[model_id] for model_id in sorted(models)]}
    return Recording(
        scope=test_id,
        request=_stored_request(first[1]),
        response=codec.StoredResponse(200, codec.JSON, page, JSON_TYPE),
    )


def _stored_request(document: dict[str, Any]) -> StoredRequest:
    request = document["request"]
    return StoredRequest(
        method=str(request.get("method") or "POST"),
        url=str(request.get("url") or ""),
        body=_recorded_body(request),
        endpoint=wire_path(document),
        model=request.get("model") if isinstance(request.get("model"), str) else None,
    )


def _error_body(data: dict[str, Any]) -> Any:
    """The JSON the provider sent: the SDK's message ends with its repr, which is more than ``body``."""
    message = str(data.get("message") or "")
    _, separator, text = message.partition(" - ")
    if separator:
        try:
            parsed = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            parsed = None
        if isinstance(parsed, dict):
            return parsed
    return {"error": data.get("body") if data.get("body") is not None else {"message": message}}


def to_recording(document: dict[str, Any], path: Path) -> Recording:
    """A llama-stack document in this plugin's terms, ready to replay."""
    response = document.get("response")
    if not isinstance(response, dict):
        raise RecordingFileError(path, "response", "missing or not an object")
    test_id = document.get("test_id")
    is_genai = str(document["request"].get("url") or "").startswith("vertexai:")
    return Recording(
        scope=test_id if isinstance(test_id, str) else None,
        request=_stored_request(document),
        response=genai.wire_response(response) if is_genai else _response(response, path),
        id_normalization_mapping=document.get("id_normalization_mapping") or {},
    )


def _response(response: dict[str, Any], path: Path) -> codec.StoredResponse:
    if response.get("is_exception"):
        data = response.get("exception_data")
        if not isinstance(data, dict) or not isinstance(data.get("status_code"), int):
            raise RecordingFileError(
                path, "response.exception_data.status_code", "missing: not an HTTP error"
            )
        return codec.StoredResponse(data["status_code"], codec.JSON, _error_body(data), JSON_TYPE)
    status = response.get("status", 200)
    body = response.get("body")
    if not response.get("is_streaming"):
        return codec.StoredResponse(status, codec.JSON, body, JSON_TYPE)
    if not isinstance(body, list):
        raise RecordingFileError(path, "response.body", "a stream must be a list")
    if all(isinstance(line, str) for line in body):  # HTTP-level: the SSE lines as received
        text = "".join(f"{line}\n" for line in body).encode()
        return codec.encode_response(status, [("content-type", "text/event-stream")], text)
    openai_chunks = any(str(payloads.type_of(item)).startswith("openai.") for item in body)
    stream = {"terminator": "[DONE]" if openai_chunks else None, "event_names": codec.EVENT_NAMES_NONE}
    return codec.StoredResponse(status, codec.SSE, body, "text/event-stream", stream)


@dataclass(frozen=True)
class NativeRequest:
    """The HTTP request a llama-stack file stands for, as this plugin's key sees it."""

    method: str
    url: str
    body: bytes | None
    scope: str


def native_request(document: dict[str, Any], entry: Entry) -> NativeRequest:
    """What the client sent: GET for lists, the wire URL with any ``extra_query``, the JSON body."""
    request = document["request"]
    parts = urllib.parse.urlsplit(request.get("url") or "")
    raw = request.get("body")
    query = raw.get("extra_query") if isinstance(raw, dict) else None
    url = urllib.parse.urlunsplit(
        parts._replace(path=entry.wire_path, query=urllib.parse.urlencode(query or {}))
    )
    reads = entry.is_model_list or entry.wire_path.endswith(("/api/ps", "/api/tags"))
    body = _recorded_body(request)
    return NativeRequest(
        method="GET" if reads else str(request.get("method") or "POST"),
        url=url,
        body=None if reads or body is None else orjson.dumps(body),
        scope=entry.test_id or "",
    )


def convertible(
    index: ForeignIndex, shared: list[ForeignIndex]
) -> Iterator[tuple[Entry, NativeRequest, Recording]]:
    """Every indexed file as a native request and recording; a model list group once, merged."""
    seen_lists: set[tuple[str, str | None]] = set()
    for entries in index.entries.values():
        for entry in entries:
            if entry.test_id is None or entry.genai:
                continue
            document = _read(entry.path)
            if entry.is_model_list:
                if (entry.wire_path, entry.test_id) in seen_lists:
                    continue
                seen_lists.add((entry.wire_path, entry.test_id))
                recording = merged_model_list([index, *shared], entry.wire_path, entry.test_id)
            else:
                recording = to_recording(document, entry.path)
            yield entry, native_request(document, entry), recording
