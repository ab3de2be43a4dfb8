"""What one test replayed, recorded and sent: the ``llm_recorder`` fixture's value."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from pytest_llmrec.config import RecordingConfig
from pytest_llmrec.drift import Drift
from pytest_llmrec.pricing.cost import Cost


@dataclass(frozen=True)
class Exchange:
    """One request as the test made it, and the recording that answered or will hold it."""

    method: str
    url: str
    key: str
    path: Path
    occurrence: int = 1

    @property
    def endpoint(self) -> str:
        """The URL's path, which tells how a body is typed."""
        return urllib.parse.urlsplit(self.url).path or "/"


@dataclass
class LLMRecorder:
    """The log of a test's LLM traffic, for assertions such as ``assert not llm_recorder.sent``."""

    config: RecordingConfig
    replayed: list[Exchange] = field(default_factory=list)
    sent: list[Exchange] = field(default_factory=list)
    recorded: list[Exchange] = field(default_factory=list)
    missed: list[Exchange] = field(default_factory=list)
    failed: list[Exchange] = field(default_factory=list)  # sent live, but no response came back
    verified: list[Exchange] = field(default_factory=list)  # replayed, and compared with a live answer
    drift: list[tuple[Exchange, list[Drift]]] = field(default_factory=list)  # how the live answers differed
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)  # rewritten to the very bytes they held
    discarded: list[Path] = field(default_factory=list)
    tokens_replayed: int = 0  # what the replayed responses report in their usage
    tokens_live: int = 0  # what the responses fetched live report: what this test spent
    cost: Cost = field(default_factory=Cost)  # those tokens in dollars: saved by replay, spent live

    @property
    def mode(self) -> str:
        return self.config.mode.value

    @property
    def scope(self) -> str:
        return self.config.scope
