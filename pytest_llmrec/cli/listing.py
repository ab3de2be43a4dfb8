"""``llmrec ls`` and ``llmrec stats``: the recordings under some paths, one row each or counted."""

from __future__ import annotations

import argparse
import fnmatch
import sys
from pathlib import Path

from pytest_llmrec.cli import output
from pytest_llmrec.reading import found, overview
from pytest_llmrec.reading.overview import COLUMNS, Row, Stats

FILTERS = ("scope", "provider", "endpoint", "model")
NUMERIC = ("status", "tokens", "size")


def add_arguments(parser: argparse.ArgumentParser, *, listing: bool) -> None:
    parser.add_argument("paths", type=Path, nargs="*", default=[Path(".")], help="files or directories")
    for name in FILTERS:
        parser.add_argument(
            f"--{name}",
            metavar="PATTERN",
            help=f"only recordings whose {name} contains PATTERN (or matches it, with * ?)",
        )
    if listing:
        parser.add_argument(
            "--sort", choices=COLUMNS, default="file", help="the column to sort by (default: file)"
        )
        parser.add_argument("--reverse", action="store_true", help="sort in descending order")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def rows(args: argparse.Namespace) -> list[Row]:
    """The rows the arguments select; damaged files are named on stderr, never skipped silently."""
    harvest = found.harvest(args.paths, output.progress("reading"))
    for error in harvest.damaged:
        print(f"damaged: {error}", file=sys.stderr)
    if harvest.damaged:
        print(f"{len(harvest.damaged)} damaged file(s) left out; `llmrec check` says more", file=sys.stderr)
    cwd = Path.cwd()
    selected = [overview.row(each, cwd) for each in harvest.recordings]
    for name in FILTERS:
        pattern = getattr(args, name)
        if pattern is not None:
            selected = [each for each in selected if _matches(str(getattr(each, name)), pattern)]
    return selected


def _matches(value: str, pattern: str) -> bool:
    return pattern in value or fnmatch.fnmatchcase(value, pattern)


def ls(args: argparse.Namespace) -> int:
    selected = sorted(
        rows(args), key=lambda each: (getattr(each, args.sort), each.file), reverse=args.reverse
    )
    if args.json:
        output.print_json([each.to_json() for each in selected])
        return 0
    if not selected:
        print("no recordings found")
        return 0
    cells = [
        [
            each.scope,
            each.provider,
            each.endpoint,
            each.model,
            each.stream,
            each.status,
            each.tokens,
            output.size(each.size),
            output.short_path(each.file),
        ]
        for each in selected
    ]
    print(output.table(COLUMNS, cells, right=NUMERIC))
    total = sum(each.size for each in selected)
    print(f"{len(selected)} recording(s), {output.size(total)}")
    return 0


def stats(args: argparse.Namespace) -> int:
    counted = Stats.of(rows(args))
    if args.json:
        output.print_json(counted.to_json())
        return 0
    print(
        f"{counted.recordings} recording(s) in {counted.scopes} scope(s), {output.size(counted.bytes)}, "
        f"{counted.tokens} tokens; {counted.streams} stream(s), {counted.errors} error answer(s)"
    )
    for title, counter in (
        ("provider", counted.providers),
        ("endpoint", counted.endpoints),
        ("model", counted.models),
    ):
        print()
        print(output.table([title, "recordings"], counter.most_common(), right=["recordings"]))
    if counted.largest:
        print()
        print(
            output.table(
                ["largest", "size"],
                [[each.file, output.size(each.size)] for each in counted.largest],
                right=["size"],
            )
        )
    return 0
