"""Recordings no test touched: listed after a run that exercised their whole store.

A store counts as exercised only when every collected test that uses it ran (was not
deselected with ``-k``, skipped or interrupted); otherwise an untouched file may just
belong to a test that did not run. Only this plugin's own files (in scope folders)
are considered: llama-stack files lying flat in the directory are left alone.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_llmrec.recorder import LLMRecorder

ACTIONS = ("warn", "fail", "prune")


@dataclass
class StoreUsage:
    tests: Counter[Path] = field(default_factory=Counter)  # collected tests per recordings dir
    ran: Counter[Path] = field(default_factory=Counter)  # tests that ran to the end with it
    touched: set[Path] = field(default_factory=set)

    def add(self, recorder: LLMRecorder, ran: bool) -> None:
        root = recorder.config.recordings_dir
        if ran:
            self.ran[root] += 1
        self.touched.update(exchange.path for exchange in recorder.replayed)
        self.touched.update(recorder.written + recorder.kept)

    def totals(self) -> dict[str, Any]:
        return {
            "tests": {str(k): v for k, v in self.tests.items()},
            "ran": {str(k): v for k, v in self.ran.items()},
            "touched": sorted(str(path) for path in self.touched),
        }

    def merge(self, totals: dict[str, Any]) -> None:
        """Add a pytest-xdist worker's usage: every worker collected all tests, each ran some."""
        for root, count in totals["tests"].items():
            self.tests[Path(root)] = max(self.tests[Path(root)], count)
        for root, count in totals["ran"].items():
            self.ran[Path(root)] += count
        self.touched.update(Path(path) for path in totals["touched"])

    def unused(self) -> list[Path]:
        """Files of fully exercised stores that no test replayed or wrote."""
        found = []
        for root, tests in sorted(self.tests.items()):
            if tests and self.ran[root] >= tests and root.is_dir():
                found += [p for p in sorted(root.glob("*/**/*.json")) if p not in self.touched]
        return found
