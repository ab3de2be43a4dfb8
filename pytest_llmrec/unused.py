"""Recordings no test touched: listed after a run that exercised their whole directory.

A directory counts as exercised when every test that resolved its configuration to it
ran its body to the end, and every recording test the run collected did resolve: a test
deselected with ``-k``, skipped or interrupted never does, and might use any directory
(its ``llm_recording_config`` fixture is known only once it runs), so such a run lists
nothing. Each test's directory is the one its resolved configuration names, the same
value its tape used. Only this plugin's own files (in scope folders) are considered:
llama-stack files lying flat in a directory are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class StoreUsage:
    collected: set[str] = field(default_factory=set)  # recording tests, before -k and -m deselect
    directories: dict[str, Path] = field(default_factory=dict)  # test -> its resolved recordings dir
    ran: set[str] = field(default_factory=set)  # tests whose body ran to the end
    touched: set[Path] = field(default_factory=set)  # files replayed, written or kept

    def add(self, nodeid: str, recordings_dir: Path, ran: bool, touched: list[Path]) -> None:
        self.directories[nodeid] = recordings_dir
        if ran:
            self.ran.add(nodeid)
        self.touched.update(touched)

    def unresolved(self) -> set[str]:
        """Collected recording tests that never reached their setup: their directory is unknown."""
        return self.collected - self.directories.keys()

    def exercised(self) -> list[Path]:
        if self.unresolved():
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
