"""The run's meter: prices every response a test gets, and refuses a live request once the run's live
spend has passed ``--llm-budget``.

One per process. Under pytest-xdist each worker publishes what it spent in a folder the controller
made for the run (``SharedSpend``), and sums every worker's before each live request, so the budget
is the whole run's; a worker learns of another's spend when that one's response is whole, so
requests already in flight on several workers at once may each still go.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from pathlib import Path
from typing import Any

from pytest_llmrec.errors import BudgetExceededError
from pytest_llmrec.pricing.cost import Cost, budget_text, dollars_text, price
from pytest_llmrec.pricing.table import PriceTable, packaged


class SharedSpend:
    """Each worker's live spend, one small JSON file per worker in a folder of the run's own."""

    def __init__(self, folder: Path, worker: str) -> None:
        self.folder, self.worker = folder, worker
        self._own = folder / f"{worker}.json"

    def publish(self, spent: float) -> None:
        """Replace this worker's file at once: a reader sees the old total or the new, never half."""
        part = self.folder / f".{self.worker}.part"
        part.write_text(json.dumps({"spent": spent}))
        os.replace(part, self._own)

    def others(self) -> float:
        """What the other workers have spent so far (a file that cannot be read counts nothing)."""
        total = 0.0
        for path in self.folder.glob("*.json"):
            if path == self._own:
                continue
            with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
                total += float(json.loads(path.read_text())["spent"])
        return total


class Meter:
    """Prices responses into a test's ``Cost``; keeps the process's live spend for the budget."""

    def __init__(
        self, table: PriceTable | None = None, budget: float | None = None, shared: SharedSpend | None = None
    ) -> None:
        self.table = table if table is not None else packaged()
        self.budget = budget
        self.shared = shared
        self.spent = 0.0  # live dollars this process has spent
        self._lock = threading.Lock()

    def count(self, cost: Cost, body: Any, request_model: str | None, *, live: bool) -> None:
        """Price a whole response (a stored body, or a stream's events) into ``cost``."""
        priced = price(self.table, body, request_model)
        with self._lock:  # one thread at a time writes this worker's file, too
            cost.count(priced, live=live)
            if not (live and priced.dollars):
                return
            self.spent += priced.dollars
            if self.shared is not None:
                self.shared.publish(self.spent)

    def run_spend(self) -> float:
        return self.spent + (self.shared.others() if self.shared is not None else 0.0)

    def check(self, cost: Cost, method: str, url: str) -> None:
        """Before a live request: raise BudgetExceededError if the run's live spend has passed the budget
        (counted as refused in the test's ``cost``)."""
        if self.budget is None:
            return
        spent = self.run_spend()
        if spent <= self.budget:
            return
        with self._lock:
            cost.refused += 1
        raise BudgetExceededError(
            self.budget,
            spent,
            f"pytest-llmrec: the run has spent {dollars_text(spent)} live, past its budget of "
            f"{budget_text(self.budget)} (--llm-budget), so this request was not sent: {method} {url}. "
            "Replay it from a recording, or raise the budget (--llm-budget=DOLLARS, ini llm_budget)",
        )
