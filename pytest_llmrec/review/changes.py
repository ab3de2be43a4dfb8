"""What a re-recording changed, one recording at a time, as plain data that crosses processes.

A ``Change`` is made where the file changes: in the test's process when ``Store.write`` replaced
or created it (the old bytes kept by the store before they were overwritten), in the controller
when ``rewrite`` deleted a stale one (read before deletion). Its groups come from
``reading.diff.compare``: a recording can be in several (its model and its text changed); "usage"
is only for a recording in which nothing else changed, "other" for one whose meaning did not
change though its bytes did (an id, a header).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pytest_llmrec.errors import RecordingFileError
from pytest_llmrec.reading.answers import assemble
from pytest_llmrec.reading.diff import Difference, compare
from pytest_llmrec.storage import payloads, recording
from pytest_llmrec.storage.recording import Recording

NEW, DELETED, USAGE, TEXT, SHAPE, MODEL, OTHER = "new", "deleted", "usage", "text", "shape", "model", "other"
GROUPS = (NEW, DELETED, USAGE, TEXT, SHAPE, MODEL, OTHER)
_SHAPE_SECTIONS = ("shape", "stream", "status")


@dataclass(frozen=True)
class Change:
    """One recording a run created, replaced or deleted, and what a reviewer needs to judge it."""

    path: str
    groups: list[str]
    endpoint: str
    model: str | None  # the model that answered (the old one, for a deletion)
    differences: list[dict[str, str]] = field(default_factory=list)  # Difference.to_json of each
    old_text: str | None = None
    new_text: str | None = None
    tokens: int = 0
    provenance: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Change:
        return cls(**data)


def written(path: Path, old: bytes | None, new: Recording) -> Change:
    """The change of a file just written: ``old`` is what it held, None if it did not exist."""
    answer = assemble(new)
    before = _read(path, old)
    if before is None:
        unreadable = Difference("file", "<file>", "replaced a file that could not be read")
        groups, differences, old_text = [NEW], [] if old is None else [unreadable], None
    else:
        differences = compare(before, new)
        groups, old_text = _groups(differences), assemble(before).text
    return Change(
        str(path),
        groups,
        new.request.endpoint,
        answer.model,
        [d.to_json() for d in differences],
        old_text,
        answer.text,
        payloads.tokens_used(new.response.body),
        new.provenance,
    )


def deleted(path: Path) -> Change | None:
    """The change of a file about to be deleted, read while it is still there (None if unreadable)."""
    try:
        old = _read(path, path.read_bytes())
    except OSError:
        return None
    if old is None:
        return None
    answer = assemble(old)
    return Change(
        str(path),
        [DELETED],
        old.request.endpoint,
        answer.model,
        old_text=answer.text,
        tokens=payloads.tokens_used(old.response.body),
        provenance=old.provenance,
    )


def _read(path: Path, data: bytes | None) -> Recording | None:
    if data is None:
        return None
    try:
        return recording.loads(data, path)
    except RecordingFileError:
        return None


def _groups(differences: list[Difference]) -> list[str]:
    groups = []
    if any(d.section == "answer" and d.path == "model" for d in differences):
        groups.append(MODEL)
    if any(d.section in _SHAPE_SECTIONS for d in differences):
        groups.append(SHAPE)
    if any(d.section == "answer" and d.path == "text" for d in differences):
        groups.append(TEXT)
    if groups:
        return groups
    if differences and all(d.section == "usage" for d in differences):
        return [USAGE]
    return [OTHER]
