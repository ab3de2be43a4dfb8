"""Recordings no test touched: listed after a run that exercised their whole directory.

A directory counts as exercised when every test that resolved its configuration to it
ran its body to the end, and every recording test the run collected did resolve: a test
deselected with ``-k``, skipped or interrupted never does, and might use any directory
(its ``llm_recording_config`` fixture is known only once it runs), so such a run lists
nothing. Nor does a run whose collection was narrowed (file or node arguments short of
the whole suite, ``--ignore``, ``--lf``): the tests it never collected may use any
directory too. Each test's directory is the one its resolved configuration names, the
same value its tape used. Only this plugin's own files (in scope folders) are considered:
llama-stack files lying flat in a directory are left alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def narrowing(args: Iterable[str], base: Path, roots: Iterable[Path], flags: Iterable[str]) -> str | None:
    """What kept some of the suite from being collected, or None for a whole run.

    ``args``: the file or node arguments given (relative to ``base``), none for a plain run;
    ``roots``: what a plain run collects (testpaths, else the directory pytest runs in);
    ``flags``: the collection-narrowing options in effect, as the user wrote them.
    """
    given = list(args)
    if given:
        paths = [(base / arg.split("::")[0]).resolve() for arg in given]
        whole = all("::" not in arg for arg in given) and all(
            any(root == path or path in root.parents for path in paths) for root in roots
        )
        if not whole:
            return " ".join(given)
    return ", ".join(flags) or None


@dataclass
class StoreUsage:
    collected: set[str] = field(default_factory=set)  # recording tests, before -k and -m deselect
    directories: dict[str, Path] = field(default_factory=dict)  # test -> its resolved recordings dir
    ran: set[str] = field(default_factory=set)  # tests whose body ran to the end
    touched: set[Path] = field(default_factory=set)  # files replayed, written or kept
    narrowed: str | None = None  # why the run did not collect the whole suite

    def add(self, nodeid: str, recordings_dir: Path, ran: bool, touched: list[Path]) -> None:
        self.directories[nodeid] = recordings_dir
        if ran:
            self.ran.add(nodeid)
        self.touched.update(touched)

    def unresolved(self) -> set[str]:
        """Collected recording tests that never reached their setup: their directory is unknown."""
        return self.collected - self.directories.keys()

    def exercised(self) -> list[Path]:
        if self.narrowed or self.unresolved():
            return []
        incomplete = {root for nodeid, root in self.directories.items() if nodeid not in self.ran}
        return sorted(set(self.directories.values()) - incomplete)

    def unused(self) -> list[Path]:
        """Files of fully exercised directories that no test replayed or wrote."""
        found = []
        for root in self.exercised():
            if root.is_dir():
                found += [p for p in sorted(root.glob("*/**/*.json")) if p not in self.touched]
        return found

    def to_json(self) -> dict[str, Any]:
        return {
            "collected": sorted(self.collected),
            "directories": {nodeid: str(root) for nodeid, root in self.directories.items()},
            "ran": sorted(self.ran),
            "touched": sorted(str(path) for path in self.touched),
        }

    def merge(self, data: dict[str, Any]) -> None:
        """Add a pytest-xdist worker's usage: every worker collected all tests, each ran some."""
        self.collected.update(data["collected"])
        self.directories.update({nodeid: Path(root) for nodeid, root in data["directories"].items()})
        self.ran.update(data["ran"])
        self.touched.update(Path(path) for path in data["touched"])
