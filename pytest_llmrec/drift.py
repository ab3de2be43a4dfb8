"""Drift: how a provider's live answer differs from its recording, for ``--llm-record=verify``.

Two answers to one prompt rarely share a word, so verify compares what a client depends on
instead: the status, the model that answered, the SDK class of the body and of each stream event,
every field and its JSON type (lists by their items), and the order of a stream's event kinds.
A field null on one side only is not drift: providers send ``null`` for what they have nothing
to say. Under a new or removed object only its top path is named, not each field inside it.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pytest_llmrec.options import VERIFY_ALLOWABLE
from pytest_llmrec.reading import shape
from pytest_llmrec.reading.answers import answer_of
from pytest_llmrec.storage.codec import StoredResponse

NEW_FIELD = "new field"
REMOVED_FIELD = "removed field"
CHANGED_TYPE = "changed type"
CHANGED_STATUS = "changed status"
CHANGED_EVENTS = "changed event sequence"
DIFFERENT_MODEL = "different model"
NO_LIVE_RESPONSE = "no live response"


@dataclass(frozen=True)
class Drift:
    """One difference between a recording and the live answer: its kind, where, and how."""

    kind: str
    path: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.path} ({self.detail})"


def detect(recorded: StoredResponse, live: StoredResponse) -> list[Drift]:
    """Every difference in shape between the recorded response and the live one, by path."""
    if recorded.status != live.status:  # an error's body says nothing of the answer's shape
        return [Drift(CHANGED_STATUS, "status", f"{recorded.status} -> {live.status}")]
    found = []
    before, after = answer_of(recorded).model, answer_of(live).model
    if before and after and before != after:
        found.append(Drift(DIFFERENT_MODEL, "model", f"recorded {before}, answered by {after}"))
    if recorded.format != live.format:
        found.append(Drift(CHANGED_TYPE, "format", f"{recorded.format} -> {live.format}"))
    elif recorded.is_streaming and isinstance(recorded.body, list) and isinstance(live.body, list):
        old, new = shape.event_kinds(recorded.body), shape.event_kinds(live.body)
        if old != new:
            found.append(Drift(CHANGED_EVENTS, "stream", f"{', '.join(old)} -> {', '.join(new)}"))
    found += _fields(shape.shape_of(recorded.body), shape.shape_of(live.body))
    return found


def _fields(old: shape.Shape, new: shape.Shape) -> list[Drift]:
    found: list[Drift] = []
    for kind, path, detail in shape.compare(old, new):
        if kind == CHANGED_TYPE and _null_on_one_side(old[path], new[path]):
            continue
        if (kind == NEW_FIELD and _parent(path) not in old) or (
            kind == REMOVED_FIELD and _parent(path) not in new
        ):
            continue  # inside an object that is itself new (or gone): named once, at its top
        found.append(Drift(kind, path, detail))
    return found


def _null_on_one_side(old: frozenset[str], new: frozenset[str]) -> bool:
    return old - {"null"} == new - {"null"} or not old - {"null"} or not new - {"null"}


def _parent(path: str) -> str:
    """``choices[].message.annotations`` -> ``choices[].message``; ``data[]`` -> ``data``."""
    if path.endswith("[]"):
        return path[:-2] or "$"
    head, dot, _ = path.rpartition(".")
    return head if dot else "$"


def failing(drifts: Iterable[Drift], allow: Iterable[str]) -> list[Drift]:
    """The drifts that fail a test: all but the kinds ``--llm-verify-allow`` lets pass."""
    allowed = {VERIFY_ALLOWABLE[name] for name in allow}
    return [drift for drift in drifts if drift.kind not in allowed]


def as_json(request: str, recording: str, drifts: Iterable[Drift]) -> list[dict[str, Any]]:
    """Plain data for ``--llm-report`` and for crossing pytest-xdist processes."""
    return [{"request": request, "recording": recording, **asdict(drift)} for drift in drifts]


def explain(nodeid: str, found: list[tuple[str, Path, list[Drift]]], allow: Iterable[str]) -> str:
    """Why a test fails under verify: each request, the file it was compared with, its drift."""
    lines = [f"pytest-llmrec: {len(found)} recording(s) no longer match the provider's answer in shape:"]
    for request, recording, drifts in found:
        lines.append(f"  {request}, recorded in {_shown(recording)}:")
        lines += [f"    {drift}" for drift in drifts]
    lines.append(f"  to re-record: pytest --llm-record=rewrite {shlex.quote(nodeid)}")
    if "new-fields" not in allow and all(d.kind == NEW_FIELD for _, _, ds in found for d in ds):
        lines.append("  (new fields alone pass with --llm-verify-allow=new-fields)")
    return "\n".join(lines)


def _shown(path: Path) -> str:
    """The path relative to the working directory when it is under it, as a user would type it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
