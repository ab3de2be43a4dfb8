"""llama-stack documents in this plugin's terms: what was sent, and the recording that answers it.

Four shapes exist. SDK-level files hold the SDK's keyword arguments as the body and SDK
objects as the response. HTTP-level files hold a ``payload`` and plain JSON or raw SSE
lines. ``models-*.json`` files each hold part of a model list, which llama-stack merges on
replay. google-genai files hold SDK arguments with no URL at all; ``genai.py`` finds the
HTTP request they stand for. ``convertible`` is what ``llmrec import`` writes.
"""

from __future__ import annotations

import ast
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from pytest_llmrec import media
from pytest_llmrec.errors import RecordingFileError
from pytest_llmrec.llama_stack import genai, ollama
from pytest_llmrec.storage import codec, payloads
from pytest_llmrec.storage.recording import Recording, StoredRequest

if TYPE_CHECKING:
    from pytest_llmrec.llama_stack.index import Entry, ForeignIndex


def wire_path(document: dict[str, Any]) -> str:
    """The URL path the client really sent.

    llama-stack stores ``base_url + endpoint`` with an endpoint that repeats the base
    URL's ``/v1`` (``.../openai/v1/v1/chat/completions``); the wire path drops it once. Ollama's
    ``embed()`` was filed under ``/api/embeddings``; its wire path is ``/api/embed``.
    """
    request = document["request"]
    path = urllib.parse.urlsplit(request.get("url") or "").path
    endpoint = request.get("endpoint") or ""
    if "payload" not in request and endpoint.startswith("/v1/") and path.endswith(endpoint):
        return path[: -len(endpoint)] + endpoint[3:]
    return ollama.sent_path(path, document)


def recorded_body(request: dict[str, Any]) -> Any:
    """The JSON the SDK sent for the recorded arguments: ``extra_body`` merged in, ``extra_query``
    moved to the URL."""
    body = request["payload"] if "payload" in request else request.get("body")
    if isinstance(body, dict):
        plain = {k: v for k, v in body.items() if k not in ("extra_body", "extra_query")}
        body = {**plain, **(body.get("extra_body") or {})}
    return body or None


def sent_body(document: dict[str, Any]) -> Any:
    """The JSON the client sent: the recorded body, or for an Ollama-native file what the installed
    ollama SDK sends for the recorded arguments."""
    body = recorded_body(document["request"])
    return ollama.sent_body(wire_path(document), body) if ollama.response_type(document) else body


def read_document(path: Path) -> dict[str, Any]:
    try:
        document = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as error:
        raise RecordingFileError(path, "<document>", f"not valid JSON ({error})") from None
    if not isinstance(document, dict):
        raise RecordingFileError(path, "<document>", "expected a JSON object")
    return document


def merged_model_list(indexes: list[ForeignIndex], wire: str, test_id: str | None) -> Recording:
    """What llama-stack answers for a model list: every matching file's models, one per id, sorted."""
    models: dict[str, Any] = {}
    first: tuple[Path, dict[str, Any]] | None = None
    for index in indexes:
        for entry in index.candidates(wire, test_id):
            document = read_document(entry.path)
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
        response=codec.StoredResponse(200, codec.JSON, page, media.JSON_TYPE),
    )


def _stored_request(document: dict[str, Any]) -> StoredRequest:
    request = document["request"]
    return StoredRequest(
        method=str(request.get("method") or "POST"),
        url=str(request.get("url") or ""),
        body=sent_body(document),
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
        return codec.StoredResponse(data["status_code"], codec.JSON, _error_body(data), media.JSON_TYPE)
    status = response.get("status", 200)
    body = response.get("body")
    if not response.get("is_streaming"):
        return codec.StoredResponse(status, codec.JSON, body, media.JSON_TYPE)
    if not isinstance(body, list):
        raise RecordingFileError(path, "response.body", "a stream must be a list")
    if all(isinstance(line, str) for line in body):  # HTTP-level: the SSE lines as received
        text = "".join(f"{line}\n" for line in body).encode()
        return codec.encode_response(status, [("content-type", "text/event-stream")], text)
    if any(str(payloads.type_of(item)).startswith(ollama.SDK_MODULE) for item in body):
        return codec.StoredResponse(status, codec.NDJSON, body, media.NDJSON_TYPES[0])  # as Ollama streams
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
    body = sent_body(document)
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
            document = read_document(entry.path)
            if entry.is_model_list:
                if (entry.wire_path, entry.test_id) in seen_lists:
                    continue
                seen_lists.add((entry.wire_path, entry.test_id))
                recording = merged_model_list([index, *shared], entry.wire_path, entry.test_id)
            else:
                recording = to_recording(document, entry.path)
            yield entry, native_request(document, entry), recording
