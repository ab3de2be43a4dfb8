"""What a whole pytest run did: its totals, which directories it exercised, pruning after ``rewrite``.

``rewrite`` may only delete a scope's stale recordings once every test of that scope
re-recorded it and passed; a test run alone (``-k``), skipped or failing could still
need the files it did not touch. Tests are counted among those collected: a ``name=``
shared with a module this run did not collect is not seen, so such a scope is pruned
as if it were whole.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_llmrec.llama_stack.index import ForeignIndexes
from pytest_llmrec.modes import Mode
from pytest_llmrec.recorder import LLMRecorder
from pytest_llmrec.storage.store import Store
from pytest_llmrec.totals import RunTotals
from pytest_llmrec.unused import StoreUsage


@dataclass
class SessionState:
    allowed_hosts: frozenset[str] = frozenset()  # replaying tests may connect to these
    totals: RunTotals = field(default_factory=RunTotals)
    usage: StoreUsage = field(default_factory=StoreUsage)
    unused: list[Path] = field(default_factory=list)
    refreshed: set[Path] = field(default_factory=set)  # files (re)written in this run
    foreign: ForeignIndexes = field(default_factory=ForeignIndexes)  # llama-stack files, indexed once
    tests_per_scope: Counter[str] = field(default_factory=Counter)
    _rewritten: dict[tuple[Path, str], set[str]] = field(default_factory=lambda: defaultdict(set))

    def collected(self, nodeid: str, scope: str) -> None:
        """A recording test was collected (before -k and -m deselect it)."""
        self.tests_per_scope[scope] += 1
        self.usage.collected.add(nodeid)

    def add(self, recorder: LLMRecorder, nodeid: str, passed: bool, ran: bool) -> None:
        """Count a finished test; ``ran``: its body ran to the end (passed or failed, not skipped)."""
        config = recorder.config
        self.totals.add(RunTotals.of(recorder))
        touched = [exchange.path for exchange in recorder.replayed] + recorder.written + recorder.kept
        self.usage.add(nodeid, config.recordings_dir, ran, touched)
        if config.mode is Mode.REWRITE and passed:
            self._rewritten[(config.recordings_dir, config.scope)].add(nodeid)

    def worker_output(self) -> dict[str, Any]:
        """What a pytest-xdist worker sends its controller (plain data, it crosses processes)."""
        return {"totals": self.totals.to_json(), "usage": self.usage.to_json()}

    def merge(self, output: dict[str, Any]) -> None:
        """Add a worker's output, so the controller's summary covers the whole run."""
        self.totals.add(RunTotals.from_json(output["totals"]))
        self.usage.merge(output["usage"])

    def report(self) -> dict[str, Any]:
        """What ``--llm-report`` writes."""
        return {**self.totals.to_json(), "unused": [str(path) for path in self.unused]}

    def prune_rewritten_scopes(self) -> None:
        """Delete stale files of every scope that all of its tests rewrote in this run."""
        for (root, scope), nodeids in self._rewritten.items():
            if len(nodeids) >= self.tests_per_scope[scope]:
                self.totals.deleted += Store(root).prune(scope, keep=self.refreshed)
