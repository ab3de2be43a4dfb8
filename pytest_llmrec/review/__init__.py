"""``--llm-review=PATH.md``: what a ``rewrite`` or ``record-missing`` run changed in the recordings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytest_llmrec.review.changes import Change
from pytest_llmrec.review.markdown import render


def write(target: Path, changes: list[dict[str, Any]], root: Path, modes: str) -> None:
    """Write the report of ``changes`` (``Change.to_json`` of each, from every process) to ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render([Change.from_json(change) for change in changes], root, modes), encoding="utf-8")
