"""llama-stack's recordings, found by what they contain rather than by their names.

llama-stack names a file after its own hash of the request, and 147 files of its
published corpus no longer match that hash. So a directory holding such files is
indexed once per run by content: the request's path on the wire, its test id, and
its normalised body. A lookup then compares a live request with the few files of
the same path and test id.
"""

from __future__ import annotations

import threading
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from pytest_llmrec import media
from pytest_llmrec.errors import RecordingFileError, RecordingWarning
from pytest_llmrec.jsonpath import JsonPath
from pytest_llmrec.llama_stack import genai
from pytest_llmrec.llama_stack.convert import (
    merged_model_list,
    read_document,
    sent_body,
    to_recording,
    wire_path,
)
from pytest_llmrec.matching import body_identity
from pytest_llmrec.normalize import normalize_body, normalize_json
from pytest_llmrec.storage import validate
from pytest_llmrec.storage.recording import Recording

MODEL_LIST_SUFFIXES = ("/models",)


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
                _warn_skipped(path, error)
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


def body_digest(body: Any, ignore: tuple[JsonPath, ...] = ()) -> str:
    """The identity of a recorded JSON body, as the request key would see it."""
    return body_identity(normalize_json(body, ignore))


def _sent_digest(sent: bytes, ignore: tuple[JsonPath, ...] = ()) -> str:
    """The identity of a body google-genai would send."""
    return body_identity(normalize_body(sent, media.JSON_TYPE, ignore))


def _recorded_digest(entry: Entry, ignore: tuple[JsonPath, ...]) -> str:
    """The digest of an indexed file's body under the test's ignore paths."""
    document = read_document(entry.path)
    if entry.genai:
        sent = genai.wire_request(document)
        return _sent_digest(sent[1], ignore) if not isinstance(sent, str) else ""
    return body_digest(sent_body(document), ignore)


def _warn_skipped(path: Path, error: BaseException) -> None:
    """A damaged file is left out of the index, said once, rather than breaking every lookup."""
    where = error.field if isinstance(error, RecordingFileError) else "<document>"
    problem = error.problem if isinstance(error, RecordingFileError) else f"not valid JSON ({error})"
    warnings.warn(
        RecordingWarning(f"{path}: {where}: {problem}; this llama-stack recording is skipped"), stacklevel=2
    )


def _check_fields(path: Path, document: dict[str, Any], request: dict[str, Any]) -> None:
    """The fields indexing reads have the types it relies on, or RecordingFileError names the one."""
    reader = validate.Reader(path)
    for key in ("url", "endpoint", "method"):
        reader.get(request, "request", key, (str, type(None)), None)
    body_key = "payload" if "payload" in request else "body"
    body = request.get(body_key)
    if isinstance(body, dict):
        reader.get(body, f"request.{body_key}", "extra_body", (dict, type(None)), None)
        reader.get(body, f"request.{body_key}", "extra_query", (dict, type(None)), None)
    reader.get(document, "<document>", "test_id", (str, type(None)), None)
    reader.get(document, "<document>", "response", dict)
    reader.get(document, "<document>", "id_normalization_mapping", (dict, type(None)), None)


def _entry(path: Path, document: Any) -> Entry | str:
    """The index entry for a file, or why it cannot be replayed over HTTP."""
    if not isinstance(document, dict) or not isinstance(document.get("request"), dict):
        return "not a llama-stack recording (no request object)"
    request = document["request"]
    if "tool_name" in request or "api" in request:
        return "records a tool or file-processor call, not an HTTP request"
    if "response" not in document:
        return "has no response"
    _check_fields(path, document, request)
    url = request.get("url") or ""
    test_id = document.get("test_id")
    if url.startswith("vertexai:"):
        sent = genai.wire_request(document)
        if isinstance(sent, str):
            return sent
        return Entry(path, sent[0], test_id, _sent_digest(sent[1]), is_model_list=False, genai=True)
    if not url.startswith(("http://", "https://")):
        return f"records a {url.partition(':')[0] or 'non-HTTP'} SDK call, which sends no request to match"
    path_on_wire = wire_path(document)
    return Entry(
        path=path,
        wire_path=path_on_wire,
        test_id=test_id,
        body_digest=body_digest(sent_body(document)),
        is_model_list=path.name.startswith("models-") or path_on_wire.endswith(MODEL_LIST_SUFFIXES),
    )


def find(
    indexes: list[ForeignIndex],
    wire: str,
    body: Any,
    scope: str,
    ignore: tuple[JsonPath, ...],
) -> tuple[Path, Recording] | None:
    """The recording that answers a live request, from the first index that has one.

    ``body`` is the request's body normalised as its key sees it (with ``ignore`` applied).
    A model list answers whatever its query: llama-stack keys them by path and test id alone.
    """
    live = body_identity(body)
    wire = genai.match_path(wire)
    test_id = _test_id(indexes, wire, scope)
    for index in indexes:
        for entry in index.candidates(wire, test_id):
            if entry.is_model_list:
                return entry.path, merged_model_list(indexes, wire, test_id)
            recorded = _recorded_digest(entry, ignore) if ignore else entry.body_digest
            if recorded == live:
                return entry.path, _replayable(
                    entry.path, to_recording(read_document(entry.path), entry.path)
                )
    return None


def _replayable(path: Path, recording: Recording) -> Recording:
    """The converted recording, checked as our own are: a damaged answer names its file and field."""
    reader = validate.Reader(path)
    validate.check_response(reader, recording.response)
    validate.check_mapping(reader, recording.id_normalization_mapping)
    return recording


def _test_id(indexes: list[ForeignIndex], wire: str, scope: str) -> str | None:
    """The test's own recordings if it has any for this path, else those made outside any test."""
    return scope if any(index.candidates(wire, scope) for index in indexes) else None
