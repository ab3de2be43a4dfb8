"""What changed between two recordings, by meaning rather than by byte.

A re-record gives new words, new token counts and sometimes a new shape; a JSON diff of the files
buries those under reordered events and ids. Here the request is compared field by field, the answer
as the text the user saw, the response by its shape and its stream's event kinds, usage by its counts.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

import orjson

from pytest_llmrec.reading import shape
from pytest_llmrec.reading.answers import assemble
from pytest_llmrec.storage import payloads
from pytest_llmrec.storage.recording import Recording

_SHOWN = 120  # characters of a changed value shown before it is cut


@dataclass(frozen=True)
class Difference:
    """One change: its section (request, status, answer, shape, stream, usage), where, and how."""

    section: str
    path: str
    detail: str

    def to_json(self) -> dict[str, str]:
        return {"section": self.section, "path": self.path, "detail": self.detail}


def compare(old: Recording, new: Recording) -> list[Difference]:
    """Every difference between two recordings, request first; empty when they mean the same."""
    return [
        *_request(old, new),
        *_status(old, new),
        *_answer(old, new),
        *_shape(old, new),
        *_usage(old, new),
    ]


def _request(old: Recording, new: Recording) -> list[Difference]:
    found = []
    for name in ("method", "endpoint", "model"):
        before, after = getattr(old.request, name), getattr(new.request, name)
        if before != after:
            found.append(Difference("request", name, f"{_show(before)} -> {_show(after)}"))
    before, after = (
        _leaves(payloads.from_typed(old.request.body)),
        _leaves(payloads.from_typed(new.request.body)),
    )
    for path in sorted(before.keys() | after.keys()):
        if path == "model" and old.request.model != new.request.model:
            continue  # named above
        if path not in before:
            found.append(Difference("request", f"body.{path}", f"added: {_show(after[path])}"))
        elif path not in after:
            found.append(Difference("request", f"body.{path}", f"removed: {_show(before[path])}"))
        elif before[path] != after[path]:
            found.append(
                Difference("request", f"body.{path}", f"{_show(before[path])} -> {_show(after[path])}")
            )
    return found


def _leaves(value: Any, path: str = "") -> dict[str, Any]:
    """Each scalar of a JSON value under its path: ``messages[0].content``."""
    if isinstance(value, dict) and value:
        leaves: dict[str, Any] = {}
        for key, item in value.items():
            leaves.update(_leaves(item, f"{path}.{key}" if path else str(key)))
        return leaves
    if isinstance(value, list) and value:
        leaves = {}
        for index, item in enumerate(value):
            leaves.update(_leaves(item, f"{path}[{index}]"))
        return leaves
    return {path or "$": value}


def _status(old: Recording, new: Recording) -> list[Difference]:
    if old.response.status == new.response.status:
        return []
    return [Difference("status", "status", f"{old.response.status} -> {new.response.status}")]


def _answer(old: Recording, new: Recording) -> list[Difference]:
    before, after = assemble(old), assemble(new)
    found = []
    if before.model != after.model:
        found.append(Difference("answer", "model", f"{_show(before.model)} -> {_show(after.model)}"))
    if before.text != after.text:
        lines = difflib.unified_diff(before.text.splitlines(), after.text.splitlines(), lineterm="", n=0)
        changed = [line for line in list(lines)[2:] if not line.startswith("@@")]
        found.append(Difference("answer", "text", "\n".join(changed)))
    return found


def _shape(old: Recording, new: Recording) -> list[Difference]:
    found = []
    if old.response.format != new.response.format:
        found.append(Difference("shape", "format", f"{old.response.format} -> {new.response.format}"))
    for kind, path, detail in shape.compare(
        shape.shape_of(old.response.body), shape.shape_of(new.response.body)
    ):
        found.append(Difference("shape", path, f"{kind}: {detail}"))
    if old.response.is_streaming and new.response.is_streaming:
        before, after = shape.event_kinds(old.response.body), shape.event_kinds(new.response.body)
        if before != after:
            found.append(Difference("stream", "events", f"{' '.join(before)} -> {' '.join(after)}"))
    return found


def _usage(old: Recording, new: Recording) -> list[Difference]:
    before, after = payloads.token_counts(old.response.body), payloads.token_counts(new.response.body)
    found = []
    for name in ("input", "output", "total"):
        if getattr(before, name) != getattr(after, name):
            found.append(
                Difference("usage", f"{name} tokens", f"{getattr(before, name)} -> {getattr(after, name)}")
            )
    return found


def _show(value: Any) -> str:
    text = value if isinstance(value, str) else orjson.dumps(value).decode()
    text = repr(text) if isinstance(value, str) else text
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."
