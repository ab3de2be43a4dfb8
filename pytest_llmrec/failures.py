"""What a recording test's failure report says: our message instead of SDK frames, the drift verify
found, one line of context when a live request got no response. Credentials are masked in all of
it: reports land in CI logs."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from pytest_llmrec import drift
from pytest_llmrec.errors import RecordingFileError
from pytest_llmrec.modes import Mode
from pytest_llmrec.storage.scrub import scrub_message
from pytest_llmrec.tape import Tape
from pytest_llmrec.unreachable import context_line

if TYPE_CHECKING:  # only plugin.py and dropin/plugin.py import pytest
    import pytest


def fail_on_drift(tape: Tape, nodeid: str, report: pytest.TestReport) -> None:
    """Under verify, a test whose live answers drifted from its recordings fails with the list."""
    if tape.config.mode is not Mode.VERIFY:
        return
    allow = tape.config.verify_allow
    found = [
        (f"{exchange.method} {exchange.url}", exchange.path, failing)
        for exchange, drifts in tape.recorder.drift
        if (failing := drift.failing(drifts, allow))
    ]
    if not found:
        return
    text = scrub_message(drift.explain(nodeid, found, allow))
    if report.passed:
        report.outcome, report.longrepr = "failed", text
    elif callable(add := getattr(report.longrepr, "addsection", None)):
        add("llmrec drift", text)


def add_unreachable_context(tape: Tape, error: BaseException, report: pytest.TestReport) -> None:
    """After the SDK's long traceback of a refused connection, one line: mode, URL and where it came from."""
    line = context_line(tape.config.mode.value, tape.recorder.failed, error, os.environ)
    if line is None:
        return
    line = scrub_message(line)
    longrepr = report.longrepr
    if isinstance(longrepr, str):
        report.longrepr = f"{longrepr}\n{line}"
    elif callable(add := getattr(longrepr, "addsection", None)):  # pytest's ExceptionRepr
        add("llmrec", line)  # printed at the end of the failure, and sent by pytest-xdist workers


def recording_file_error(error: BaseException | None) -> RecordingFileError | None:
    """The unreadable-recording error behind a test's failure, even if an SDK wrapped it."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, RecordingFileError):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


def short_failure(item: pytest.Item, excinfo: pytest.ExceptionInfo[BaseException]) -> str:
    """Our own message and the line of the test that made the request, without SDK and plugin frames."""
    lines = [f"{type(excinfo.value).__name__}: {scrub_message(str(excinfo.value))}"]
    in_test = [entry for entry in excinfo.traceback if entry.path == item.path]
    if in_test:
        entry = in_test[-1]
        statement = scrub_message(str(entry.statement).strip())
        lines.append(f"  made at:         {item.path.name}:{entry.lineno + 1}: {statement}")
    return "\n".join(lines)
