"""``llmrec prune``: delete the recordings the last whole run used no test of, as ``--llm-unused=prune`` does.

It acts on the verdict the run left (pytest's cache, or an ``--llm-report`` file), and re-checks each
file first: still there, still a readable recording, not written since the run. A run that was
narrowed or stopped judged nothing, and prune says so instead of deleting.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pytest_llmrec import last_run
from pytest_llmrec.errors import ConfigError, RecordingFileError
from pytest_llmrec.reading import found
from pytest_llmrec.unused import delete


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(".pytest_cache"),
        help="pytest's cache directory, where the last run left its verdict (default: .pytest_cache)",
    )
    parser.add_argument("--report", type=Path, help="read the verdict from this --llm-report file instead")
    parser.add_argument("--dry-run", action="store_true", help="list what would be deleted, delete nothing")


def _why_kept(path: Path, finished: float) -> str | None:
    """Why a file the run called unused must not be deleted now, or None if it may go."""
    if not path.is_file() or path.is_symlink():
        return "no longer a file"
    if finished and path.stat().st_mtime > finished:
        return "written after the run ended"
    try:
        if found.read(path) is None:
            return "not a recording"
    except RecordingFileError as error:
        return f"cannot be read ({error.field}: {error.problem})"
    return None


def run(args: argparse.Namespace) -> int:
    source = args.report if args.report is not None else last_run.cache_file(args.cache_dir)
    verdict = last_run.load(source)
    if verdict.not_checked:
        raise ConfigError(
            f"the last run judged no recording, as {verdict.not_checked}: "
            "run the whole suite (pytest, no -k, node ids or --lf), then prune"
        )
    doomed = []
    for path in verdict.unused:
        why = _why_kept(path, verdict.finished)
        if why is None:
            doomed.append(path)
        else:
            print(f"kept:    {path}: {why}", file=sys.stderr)
    if args.dry_run:
        for path in doomed:
            print(f"would delete: {path}")
        print(f"{len(doomed)} unused recording(s) would be deleted (--dry-run: none was)")
        return 0
    deleted = delete(doomed)
    for path in deleted:
        print(f"deleted: {path}")
    print(f"{len(deleted)} unused recording(s) deleted, as the run of {source} found them")
    return 0
