"""A pytest plugin loaded into every benchmarked session (``-p harness``) to keep the contenders honest.

The tests hand it what the SDK returned (``note``), so the parent can check that every contender
gave the same answers, and the replay layers report how many requests they answered
(``answered``). In a replay session an audit hook refuses every socket connection: unlike a patch
of ``socket.connect``, which the plugins under test apply themselves, it cannot be bypassed or
undone. It also times the test bodies (pytest's call phase: the requests, without startup,
collection or fixtures), a far less noisy measure of the cost per request than whole sessions.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

_notes: list[str] = []
_connects: list[str] = []
_answered = 0
_in_bodies = 0.0


def note(answer: str) -> None:
    """Keep what a test received from the SDK, in order."""
    _notes.append(answer)


def answered(count: int = 1) -> None:
    """Count requests the replay layer (cassette, recordings or canned dict) answered."""
    global _answered
    _answered += count


def _refuse_sockets(event: str, args: tuple[Any, ...]) -> None:
    if event == "socket.connect":
        _connects.append(repr(args[1]))
        raise ConnectionRefusedError(f"bench: a replaying session tried to connect to {args[1]!r}")


if os.environ.get("BENCH_PHASE") == "replay":
    sys.addaudithook(_refuse_sockets)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    global _in_bodies
    start = time.perf_counter()
    try:
        return (yield)
    finally:
        _in_bodies += time.perf_counter() - start


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    report = os.environ.get("BENCH_REPORT")
    if report:
        data = {"notes": _notes, "answered": _answered, "connects": _connects, "in_bodies": _in_bodies}
        Path(report).write_text(json.dumps(data))
