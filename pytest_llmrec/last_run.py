"""What the last pytest run found unused, kept in pytest's cache for ``llmrec prune``.

A run that collected the whole suite knows which recordings no test read; ``--llm-unused=prune``
deletes them at once. Keeping the verdict lets a user look first (``llmrec prune --dry-run``) and
delete later without running the suite again. A run that could not judge says why, so ``prune``
never deletes on the word of a narrowed (``-k``, node ids, ``--lf``) or stopped run.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_llmrec.errors import ConfigError

CACHE_KEY = "llmrec/last-run"  # pytest stores it as <cache_dir>/v/llmrec/last-run


@dataclass(frozen=True)
class LastRun:
    """The verdict of a finished run: the unused files, or why it could judge none, and when it ended."""

    unused: list[Path] = field(default_factory=list)
    not_checked: str | None = None
    finished: float = 0.0  # time.time() at the end of the run

    def to_json(self) -> dict[str, Any]:
        return {
            "unused": [str(path) for path in self.unused],
            "unused_not_checked": self.not_checked,
            "finished": self.finished,
        }


def save(cache: Any, unused: list[Path], not_checked: str | None) -> None:
    """Keep the verdict in pytest's ``config.cache``; None (``-p no:cacheprovider``) keeps nothing."""
    if cache is not None:
        paths = [path.resolve() for path in unused]
        cache.set(CACHE_KEY, LastRun(paths, not_checked, time.time()).to_json())


def load(path: Path) -> LastRun:
    """A verdict from pytest's cache entry or from an ``--llm-report`` file; the error names the file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{path} does not exist: run the whole suite once (pytest), then prune; "
            "or name a --llm-report file with --report"
        ) from None
    except (OSError, ValueError) as error:
        raise ConfigError(f"{path}: cannot be read as a run's report ({error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("unused"), list):
        raise ConfigError(
            f"{path}: unused: missing; is this a --llm-report file or pytest's llmrec/last-run?"
        )
    not_checked = data.get("unused_not_checked")
    finished = data.get("finished")
    return LastRun(
        unused=[Path(str(each)) for each in data["unused"]],
        not_checked=str(not_checked) if not_checked else None,
        finished=float(finished) if isinstance(finished, (int, float)) else 0.0,
    )


def cache_file(cache_dir: Path) -> Path:
    return cache_dir / "v" / CACHE_KEY
