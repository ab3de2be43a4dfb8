"""What a whole pytest run did: totals for the summary, pruning after ``rewrite``, store usage.

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

from pytest_llmrec.config import Mode
from pytest_llmrec.llama_stack.index import ForeignIndexes
from pytest_llmrec.recorder import LLMRecorder
from pytest_llmrec.storage.store import Store
from pytest_llmrec.unused import StoreUsage


@dataclass
class SessionState:
    replayed: int = 0
    sent: int = 0
    recorded: int = 0
    discarded: int = 0  # recordings of failed tests not saved (--llm-record-on-failure=no)
    missed: int = 0
    tokens_replayed: int = 0
    tokens_live: int = 0
    written: list[Path] = field(default_factory=list)
    deleted: list[Path] = field(default_factory=list)
    refreshed: set[Path] = field(default_factory=set)  # files (re)written in this run
    tests_per_scope: Counter[str] = field(default_factory=Counter)
    foreign: ForeignIndexes = field(default_factory=ForeignIndexes)  # llama-stack files, indexed once
    allowed_hosts: frozenset[str] = frozenset()  # replaying tests may connect to these
    record_on_failure: bool = True
    usage: StoreUsage = field(default_factory=StoreUsage)
    unused: list[Path] = field(default_factory=list)
    _rewritten: dict[tuple[Path, str], set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, recorder: LLMRecorder, nodeid: str, passed: bool, ran: bool) -> None:
        """Count a finished test; ``ran``: its body ran to the end (passed or failed, not skipped)."""
        self.usage.add(recorder, ran)
        self.discarded += len(recorder.discarded)
        self.missed += len(recorder.missed)
        self.tokens_replayed += recorder.tokens_replayed
        self.tokens_live += recorder.tokens_live
        self.replayed += len(recorder.replayed)
        self.sent += len(recorder.sent)
        self.recorded += len(recorder.recorded)
        self.written += recorder.written
        config = recorder.config
        if config.mode is Mode.REWRITE and passed:
            self._rewritten[(config.recordings_dir, config.scope)].add(nodeid)

    def totals(self) -> dict[str, Any]:
        """What a pytest-xdist worker sends its controller (plain data, it crosses processes)."""
        return {
            "replayed": self.replayed,
            "sent": self.sent,
            "recorded": self.recorded,
            "discarded": self.discarded,
            "missed": self.missed,
            "tokens": {"replayed": self.tokens_replayed, "live": self.tokens_live},
            "written": [str(path) for path in self.written],
            "deleted": [str(path) for path in self.deleted],
            "unused": [str(path) for path in self.unused],
            "usage": self.usage.totals(),
        }

    def merge(self, totals: dict[str, Any]) -> None:
        """Add a worker's totals, so the controller's summary covers the whole run."""
        self.replayed += totals["replayed"]
        self.sent += totals["sent"]
        self.recorded += totals["recorded"]
        self.discarded += totals["discarded"]
        self.missed += totals["missed"]
        self.tokens_replayed += totals["tokens"]["replayed"]
        self.tokens_live += totals["tokens"]["live"]
        self.written += [Path(path) for path in totals["written"]]
        self.deleted += [Path(path) for path in totals["deleted"]]
        self.usage.merge(totals["usage"])

    def prune_rewritten_scopes(self) -> None:
        """Delete stale files of every scope that all of its tests rewrote in this run."""
        for (root, scope), nodeids in self._rewritten.items():
            if len(nodeids) >= self.tests_per_scope[scope]:
                self.deleted += Store(root).prune(scope, keep=self.refreshed)
