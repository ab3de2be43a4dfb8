"""``llmrec diff A B``: what changed between two recordings, or between two directories of them.

In directories, recordings pair by their path below A and B; a recording only one side holds is
paired with the other side's lone unpaired file of the same scope folder, which is what a
re-record after a prompt change leaves (a new key, so a new name). Exit 1 when anything differs.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_llmrec.cli import output
from pytest_llmrec.errors import ConfigError
from pytest_llmrec.reading import diff, found
from pytest_llmrec.reading.diff import Difference


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("old", type=Path, help="a recording, or a directory of them")
    parser.add_argument("new", type=Path, help="a recording, or a directory of them (the same kind as OLD)")
    parser.add_argument("--json", action="store_true", help="print the differences as JSON")


@dataclass
class Comparison:
    """Pairs that differ (with what differs), files only one side has, and how many pairs matched."""

    changed: list[tuple[Path, Path, list[Difference]]] = field(default_factory=list)
    only_old: list[Path] = field(default_factory=list)
    only_new: list[Path] = field(default_factory=list)
    same: int = 0

    @property
    def differs(self) -> bool:
        return bool(self.changed or self.only_old or self.only_new)

    def to_json(self) -> dict[str, Any]:
        return {
            "changed": [
                {"old": str(old), "new": str(new), "differences": [d.to_json() for d in found_]}
                for old, new, found_ in self.changed
            ],
            "only_in_old": [str(path) for path in self.only_old],
            "only_in_new": [str(path) for path in self.only_new],
            "same": self.same,
        }


def _pair(old: found.Found, new: found.Found, comparison: Comparison) -> None:
    differences = diff.compare(old.recording, new.recording)
    if differences:
        comparison.changed.append((old.path, new.path, differences))
    else:
        comparison.same += 1


def _recordings(root: Path) -> dict[Path, found.Found]:
    """The recordings under ``root`` by their path below it; other JSON files are passed over."""
    read = ((path, found.read(path)) for path in found.json_files([root]))
    return {path.relative_to(root): each for path, each in read if each is not None}


def compare_dirs(old: Path, new: Path) -> Comparison:
    before, after = _recordings(old), _recordings(new)
    comparison = Comparison()
    for relative in sorted(before.keys() & after.keys()):
        _pair(before[relative], after[relative], comparison)
    lone_old, lone_new = _by_folder(before.keys() - after.keys()), _by_folder(after.keys() - before.keys())
    for folder in sorted(lone_old.keys() | lone_new.keys()):
        olds, news = lone_old.get(folder, []), lone_new.get(folder, [])
        if len(olds) == len(news) == 1:
            _pair(before[olds[0]], after[news[0]], comparison)
            continue
        comparison.only_old += [before[relative].path for relative in olds]
        comparison.only_new += [after[relative].path for relative in news]
    return comparison


def _by_folder(paths: set[Path]) -> dict[Path, list[Path]]:
    folders: dict[Path, list[Path]] = defaultdict(list)
    for path in sorted(paths):
        folders[path.parent].append(path)
    return folders


def render(comparison: Comparison) -> str:
    lines = []
    for old, new, differences in comparison.changed:
        lines.append(output.short_path(old) + ("" if old == new else f" -> {output.short_path(new)}"))
        for each in differences:
            if "\n" in each.detail:
                lines.append(f"  {each.section:8} {each.path}:")
                lines += [f"    {line}" for line in each.detail.splitlines()]
            else:
                lines.append(f"  {each.section:8} {each.path}: {each.detail}")
    lines += [f"only in old: {output.short_path(path)}" for path in comparison.only_old]
    lines += [f"only in new: {output.short_path(path)}" for path in comparison.only_new]
    lines.append(
        f"{len(comparison.changed)} differ, {len(comparison.only_old)} only in old, "
        f"{len(comparison.only_new)} only in new, {comparison.same} the same"
    )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    old, new = args.old, args.new
    if old.is_dir() != new.is_dir():
        raise ConfigError(f"compare a file with a file or a directory with a directory: {old}, {new}")
    for path in (old, new):
        if not path.exists():
            raise ConfigError(f"{path} does not exist")
    if old.is_dir():
        comparison = compare_dirs(old, new)
    else:
        comparison = Comparison()
        _pair(found.require(old), found.require(new), comparison)
    if args.json:
        output.print_json(comparison.to_json())
    else:
        print(render(comparison))
    return 1 if comparison.differs else 0
