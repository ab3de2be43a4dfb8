"""The review report of a re-recording, in Markdown, ready to paste into a pull request.

Groups, in this order: new, deleted, only usage changed, answer text changed (old and new text),
shape changed (each path), model changed, other changes. A recording is listed in each group it
belongs to (see ``changes``); paths are relative to the project's root.
"""

from __future__ import annotations

import os
from pathlib import Path

from pytest_llmrec.review.changes import DELETED, GROUPS, MODEL, NEW, OTHER, SHAPE, TEXT, USAGE, Change

TITLES = {
    NEW: "New",
    DELETED: "Deleted",
    USAGE: "Only usage changed",
    TEXT: "Answer text changed",
    SHAPE: "Shape changed",
    MODEL: "Model changed",
    OTHER: "Other changes",
}
SHOWN_TEXT = 4000  # characters of an answer shown before it is cut


def render(changes: list[Change], root: Path, modes: str) -> str:
    """The whole report; ``modes``: how the run recorded (``rewrite``), said in the first line."""
    changes = sorted({change.path: change for change in changes}.values(), key=lambda c: c.path)
    lines = ["# Recordings review", ""]
    if not changes:
        return "\n".join([*lines, f"No recording changed ({modes}).", ""])
    counts = [
        f"{sum(group in c.groups for c in changes)} {TITLES[group].lower()}"
        for group in GROUPS
        if any(group in c.groups for c in changes)
    ]
    lines += [f"{len(changes)} recording(s) changed ({modes}): {', '.join(counts)}.", ""]
    for group in GROUPS:
        members = [change for change in changes if group in change.groups]
        if members:
            lines += [f"## {TITLES[group]} ({len(members)})", ""]
            for index, change in enumerate(members):
                lines += ([""] if index and group == TEXT else []) + _entry(
                    group, change, _shown(change.path, root)
                )
            lines.append("")
    return "\n".join(lines)


def _shown(path: str, root: Path) -> str:
    try:
        return Path(os.path.relpath(path, root)).as_posix()
    except ValueError:  # another drive
        return path


def _entry(group: str, change: Change, path: str) -> list[str]:
    if group == TEXT:
        return [
            f"### `{path}`",
            "",
            "Old:",
            "",
            *_fenced(change.old_text or ""),
            "",
            "New:",
            "",
            *_fenced(change.new_text or ""),
        ]
    head = f"- `{path}`"
    if group in (NEW, DELETED):
        model = f", model `{change.model}`" if change.model else ""
        return [f"{head}: `{change.endpoint}`{model}, {change.tokens} tokens{_origin(change)}"]
    if group == MODEL:
        (detail,) = [
            d["detail"] for d in change.differences if d["section"] == "answer" and d["path"] == "model"
        ]
        return [f"{head}: {detail}{_origin(change)}"]
    if group == USAGE:
        return [f"{head}: " + "; ".join(f"{d['path']} {d['detail']}" for d in change.differences)]
    wanted = ("shape", "stream", "status") if group == SHAPE else None
    details = [d for d in change.differences if wanted is None or d["section"] in wanted]
    return [head, *(f"  - `{d['path']}`: {_one_line(d['detail'])}" for d in details)]


def _origin(change: Change) -> str:
    """Where a new answer came from, from its provenance: ``(openai 1.99.0, 2026-12-03T14:05:12Z)``."""
    found = change.provenance
    if not found or found is None:
        return ""
    sdk = " ".join(part for part in (found.get("sdk"), found.get("sdk_version")) if part)
    said = ", ".join(part for part in (sdk, found.get("recorded_at")) if part)
    return f" ({said})" if said else ""


def _one_line(text: str) -> str:
    return " / ".join(line for line in text.splitlines() if line) or text


def _fenced(text: str) -> list[str]:
    """``text`` in a code block no line of it can close."""
    if len(text) > SHOWN_TEXT:
        text = f"{text[:SHOWN_TEXT]}\n... ({len(text) - SHOWN_TEXT} more characters)"
    fence = "```"
    while fence in text:
        fence += "`"
    return [f"{fence}text", *(text.splitlines() or [""]), fence]
