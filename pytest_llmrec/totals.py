"""What a run did, in numbers: added up test by test, and across pytest-xdist workers.

Every counter is one field. ``of`` takes it from a test's ``LLMRecorder`` by name (a list
there counts its items), ``add`` sums, ``to_json``/``from_json`` carry it across processes
and into ``--llm-report``; ``report`` in a field's metadata nests it there (``tokens.live``).
A new counter is therefore one line here, plus wherever it is counted.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def _counter(report: str | None = None) -> Any:
    return field(default=0, metadata={"report": report} if report else {})


@dataclass
class RunTotals:
    replayed: int = _counter()
    sent: int = _counter()
    recorded: int = _counter()
    missed: int = _counter()
    verified: int = _counter()  # replayed requests also sent live under verify, to compare shapes
    discarded: int = _counter()  # recordings of failed tests not saved (--llm-record-on-failure=no)
    tokens_replayed: int = _counter("tokens.replayed")  # what replayed responses report in their usage
    tokens_live: int = _counter("tokens.live")  # what live responses report: what the run spent
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)  # rewritten to the very bytes they held
    deleted: list[Path] = field(default_factory=list)
    reached_network: list[str] = field(default_factory=list)  # tests that recorded nothing yet went out
    missed_tests: list[str] = field(default_factory=list)  # tests a recording was missing for

    @classmethod
    def of(cls, source: Any) -> RunTotals:
        """The totals of one test's log: each field from the attribute of the same name, if any."""
        values: dict[str, Any] = {}
        for item in dataclasses.fields(cls):
            value = getattr(source, item.name, None)
            if value is None:
                continue
            counted = item.type in ("int", int) and isinstance(value, list)
            values[item.name] = len(value) if counted else (list(value) if isinstance(value, list) else value)
        return cls(**values)

    def add(self, other: RunTotals) -> None:
        for item in dataclasses.fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))

    def files_written(self) -> int:
        """Distinct files written: under pytest-xdist, workers sharing a scope may write the same one."""
        return len(set(self.written))

    def to_json(self) -> dict[str, Any]:
        """Plain data (it crosses processes, and is the core of ``--llm-report``)."""
        data: dict[str, Any] = {}
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            *groups, name = str(item.metadata.get("report", item.name)).split(".")
            holder = data
            for group in groups:
                holder = holder.setdefault(group, {})
            # A file two workers (re)wrote is one file: each listed once.
            holder[name] = list(dict.fromkeys(str(v) for v in value)) if isinstance(value, list) else value
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunTotals:
        values: dict[str, Any] = {}
        for item in dataclasses.fields(cls):
            value: Any = data
            for step in str(item.metadata.get("report", item.name)).split("."):
                value = value[step]
            paths = isinstance(value, list) and item.type in ("list[Path]", list[Path])
            values[item.name] = [Path(path) for path in value] if paths else value
        return cls(**values)
