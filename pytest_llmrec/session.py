"""What a whole pytest run did: its totals, what it used of the recordings, pruning after ``rewrite``.

``rewrite`` deletes a scope folder's stale recordings on the same verdict as
``--llm-unused`` (see ``unused``): only in a run that collected the whole suite and was
not narrowed or stopped, and only in a folder whose every reader re-recorded it in
``rewrite`` mode and passed. It is decided once: by the controller under pytest-xdist.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_llmrec import drift
from pytest_llmrec.llama_stack.index import ForeignIndexes
from pytest_llmrec.modes import Mode
from pytest_llmrec.pricing.cost import RunCost
from pytest_llmrec.pricing.meter import Meter
from pytest_llmrec.recorder import LLMRecorder
from pytest_llmrec.review import changes
from pytest_llmrec.storage.store import Store
from pytest_llmrec.totals import RunTotals
from pytest_llmrec.unused import StoreUsage, Verdict, delete


@dataclass
class SessionState:
    allowed_hosts: frozenset[str] = frozenset()  # replaying tests may connect to these
    totals: RunTotals = field(default_factory=RunTotals)
    usage: StoreUsage = field(default_factory=StoreUsage)
    verdict: Verdict = field(default_factory=Verdict)  # decided once, at the end of the run
    refreshed: set[Path] = field(default_factory=set)  # files (re)written in this run
    foreign: ForeignIndexes = field(default_factory=ForeignIndexes)  # llama-stack files, indexed once
    drift_by_test: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # verify's findings
    meter: Meter = field(default_factory=Meter)  # prices responses, holds live spend to --llm-budget
    cost: RunCost = field(default_factory=RunCost)  # dollars, for the run and per test
    changes: list[dict[str, Any]] | None = None  # with --llm-review: what recording changed (review)

    def collected(self, nodeid: str) -> None:
        """A recording test was collected (before -k and -m deselect it)."""
        self.usage.collected.add(nodeid)

    def add(self, recorder: LLMRecorder, nodeid: str, passed: bool) -> None:
        """Count a finished test; ``passed``: its body ran to the end and passed."""
        config = recorder.config
        self.totals.add(RunTotals.of(recorder))
        self.cost.add(nodeid, recorder.cost)
        if recorder.missed:
            self.totals.missed_tests.append(nodeid)
        for exchange, drifts in recorder.drift:
            request = f"{exchange.method} {exchange.url}"
            found = drift.as_json(request, str(exchange.path), drifts)
            self.drift_by_test.setdefault(nodeid, []).extend(found)
        touched = (
            [exchange.path for exchange in recorder.replayed]
            + recorder.written
            + recorder.kept
            + recorder.unchanged
        )
        folders = [Store(root).scope_dir(config.scope) for root in config.read_dirs]
        rewrite, sole = config.mode is Mode.REWRITE, config.scope == nodeid
        self.usage.add(nodeid, folders, passed=passed, rewrite=rewrite, touched=touched, sole=sole)

    def worker_output(self) -> dict[str, Any]:
        """What a pytest-xdist worker sends its controller (plain data, it crosses processes)."""
        return {
            "totals": self.totals.to_json(),
            "usage": self.usage.to_json(),
            "drift": self.drift_by_test,
            "cost": self.cost.to_json(),
            "changes": self.changes,
        }

    def merge(self, output: dict[str, Any]) -> None:
        """Add a worker's output, so the controller's summary covers the whole run."""
        self.totals.add(RunTotals.from_json(output["totals"]))
        self.usage.merge(output["usage"])
        for nodeid, drifts in output.get("drift", {}).items():
            self.drift_by_test.setdefault(nodeid, []).extend(drifts)
        self.cost.merge(output["cost"])
        if self.changes is not None:
            self.changes += output.get("changes") or []

    def report(self) -> dict[str, Any]:
        """What ``--llm-report`` writes."""
        return {
            **self.totals.to_json(),
            "unused": [str(path) for path in self.verdict.unused],
            "unused_not_checked": self.usage.why_not_checked(),
            "finished": time.time(),
            "broken": sorted(str(path) for path in self.verdict.broken),
            "drift": self.drift_by_test,
            "cost": {**self.cost.to_json(), "prices_checked": self.meter.table.checked},
        }

    def decide(self, prune: bool) -> None:
        """Judge the run once; delete what ``rewrite`` left stale, and with ``prune`` every unused file."""
        self.verdict = self.usage.verdict()
        stale = [path for path in self.verdict.unused if prune or path.parent in self.verdict.rewritten]
        doomed = {path: changes.deleted(path) for path in stale} if self.changes is not None else {}
        self.totals.deleted += (gone := delete(stale))
        if self.changes is not None:  # read before deletion, listed once deleted
            self.changes += [found.to_json() for path in gone if (found := doomed[path]) is not None]
        self.verdict.unused = [path for path in self.verdict.unused if path not in stale]
