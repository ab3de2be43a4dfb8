"""The recording file: one interaction in llama-stack's schema, extended compatibly.

``to_document`` and ``from_document`` are the only places that know the field
names; a file that does not fit is rejected with the file and the field named.
"""

from __future__ import annotations

import base64
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from pytest_llmrec import media
from pytest_llmrec.errors import RecordingFileError
from pytest_llmrec.jsonpath import JsonPath
from pytest_llmrec.normalize import normalize_body
from pytest_llmrec.storage import codec, pace, payloads, provenance, validate


@dataclass(frozen=True)
class StoredRequest:
    """The request as a reader of the file wants to see it; matching uses the key, not this."""

    method: str
    url: str
    body: Any
    endpoint: str
    model: str | None = None


@dataclass(frozen=True)
class Recording:
    scope: str | None
    request: StoredRequest
    response: codec.StoredResponse
    id_normalization_mapping: dict[str, str] = field(default_factory=dict)
    provenance: dict[str, Any] | None = None  # where the answer came from (storage.provenance)


IGNORED = "<ignored>"  # what an ``ignore`` path's value is stored as


def request_body_for_storage(
    body: bytes | None, content_type: str | None, ignore: tuple[JsonPath, ...] = ()
) -> Any:
    """Parsed JSON where the body is JSON, readable parts for forms, base64 for other bytes.

    Each ``ignore`` path's value is written as ``IGNORED`` rather than left out: the file still
    shows the request had the field (and a ``[*]`` path keeps its list's length), yet a re-record
    with another value of it writes the same bytes. The key never sees these paths, so the file's
    name still matches its content.
    """
    if not body:
        return None
    if media.kind(content_type, body) in ("multipart", "form"):
        return normalize_body(body, content_type)
    try:
        parsed = orjson.loads(body)
    except ValueError:
        pass
    else:
        if isinstance(parsed, (dict, list)):
            for path in ignore:
                parsed = path.replace_in(parsed, IGNORED)
        return parsed
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return {**payloads.typed(payloads.BYTES, base64.b64encode(body).decode("ascii")), "size": len(body)}


def to_document(recording: Recording) -> dict[str, Any]:
    response = recording.response
    document_response: dict[str, Any] = {
        "status": response.status,
        "headers": {"content-type": response.content_type} if response.content_type else {},
        "format": response.format,
        "body": response.body,
        "is_streaming": response.is_streaming,
    }
    if response.stream:
        document_response["stream"] = response.stream
    if response.offsets_ms is not None:
        document_response[pace.FIELD] = list(response.offsets_ms)
    if response.first_byte_ms is not None:
        document_response[pace.FIRST_BYTE] = response.first_byte_ms
    if response.format == codec.BASE64:
        document_response["size"] = len(base64.b64decode(response.body))
    request = recording.request
    document = {
        "test_id": recording.scope,
        "request": {
            "method": request.method,
            "url": request.url,
            "headers": {},
            "body": request.body,
            "endpoint": request.endpoint,
            "model": request.model,
        },
        "response": document_response,
        "id_normalization_mapping": recording.id_normalization_mapping,
    }
    if recording.provenance is not None:
        document[provenance.FIELD] = recording.provenance
    return document


def dumps(document: dict[str, Any]) -> bytes:
    """Deterministic bytes: sorted keys, 2-space indent, UTF-8, trailing newline."""
    return orjson.dumps(
        document, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE
    )


def _read_response(reader: validate.Reader, response: dict[str, Any]) -> codec.StoredResponse:
    streaming = reader.get(response, "response", "is_streaming", bool, None)
    default = codec.SSE if streaming else codec.JSON
    fmt = reader.get(response, "response", "format", str, default)
    if fmt not in codec.FORMATS:
        raise reader.fail("response.format", f"unknown format {fmt!r}; known: {', '.join(codec.FORMATS)}")
    if streaming is not None and streaming != (fmt in codec.STREAM_FORMATS):
        raise reader.fail(
            "response.is_streaming",
            f"says {str(streaming).lower()}, but format {fmt} is "
            + ("a stream" if fmt in codec.STREAM_FORMATS else "not a stream"),
        )
    if "body" not in response:
        raise reader.fail("response.body", "missing")
    headers = reader.get(response, "response", "headers", dict, {})
    stored = codec.StoredResponse(
        status=reader.get(response, "response", "status", int, 200),
        format=fmt,
        body=response["body"],
        content_type=reader.get(headers, "response.headers", "content-type", str, None),
        stream=reader.get(response, "response", "stream", dict, {}),
    )
    validate.check_response(reader, stored)
    if fmt == codec.BASE64:
        validate.check_size(reader, response, stored.body)
    offsets, wait = pace.read(reader, response, stored), pace.read_first_byte(reader, response)
    if offsets is None:
        return stored
    return dataclasses.replace(stored, offsets_ms=offsets, first_byte_ms=wait)


def _read_request(reader: validate.Reader, request: dict[str, Any]) -> StoredRequest:
    return StoredRequest(
        method=reader.get(request, "request", "method", str),
        url=reader.get(request, "request", "url", str),
        body=request["body"] if "body" in request else request.get("payload"),  # llama-stack's newer files
        endpoint=reader.get(request, "request", "endpoint", str, ""),
        model=reader.get(request, "request", "model", (str, type(None)), None),
    )


def from_document(document: Any, path: Path, typed_bound: int | None = None) -> Recording:
    """Validate a parsed file: whatever replay relies on; the errors say which file and which field.

    ``typed_bound``: ``validate.typed_keys_in`` of the file's bytes, which spares most walks.
    """
    reader = validate.Reader(path)
    if not isinstance(document, dict):
        raise reader.fail("<document>", f"expected a JSON object, got {type(document).__name__}")
    request = reader.get(document, "<document>", "request", dict)
    if typed_bound is not None:  # a binary request body is typed too: its keys are not the response's
        reader.typed_bound = typed_bound - 2 * payloads.is_typed(request.get("body"))
    response = reader.get(document, "<document>", "response", dict)
    mapping = reader.get(document, "<document>", "id_normalization_mapping", dict, {})
    return Recording(
        scope=reader.get(document, "<document>", "test_id", (str, type(None)), None),
        request=_read_request(reader, request),
        response=_read_response(reader, response),
        id_normalization_mapping=validate.check_mapping(reader, mapping),
        provenance=provenance.check(reader, document[provenance.FIELD])
        if provenance.FIELD in document
        else None,
    )


def loads(data: bytes, path: Path) -> Recording:
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise RecordingFileError(path, "<document>", f"not valid JSON ({error})") from None
    return from_document(document, path, validate.typed_keys_in(data))
