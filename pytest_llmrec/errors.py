"""Every error and warning a user of pytest-llmrec can see, in one place (all exported by the package).

Errors raised while a request is being intercepted derive from ``BaseException``
on purpose: SDKs such as openai catch ``Exception`` around the transport, retry
with back-off and re-raise a generic connection error. A missing recording must
reach the test as itself, at once, not as ``APIConnectionError`` after retries.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path


class LLMRecordingError(BaseException):
    """Base class of every error pytest-llmrec raises while a test runs."""


class RecordingMissError(LLMRecordingError):
    """A request had no recording and the mode forbids going live."""


class LiveConnectionBlockedError(LLMRecordingError):
    """A socket tried to connect while the test was replaying."""


class SecretInRecordingError(LLMRecordingError):
    """A recording still looked like it held a key after scrubbing, so it was not written."""


class RecordingFileError(LLMRecordingError):
    """A recording file cannot be read: names the file and the field at fault."""

    def __init__(self, path: Path, field: str, problem: str) -> None:
        self.path = path
        self.field = field
        self.problem = problem
        super().__init__(f"{path}: {field}: {problem}")


class RecordingWriteError(LLMRecordingError):
    """A recording could not be written (a read-only directory, a file where a folder should be):
    names the directory at fault, and the test once it is known."""

    def __init__(self, path: Path, directory: Path, reason: str, nodeid: str | None = None) -> None:
        self.path = path
        self.directory = directory
        self.reason = reason
        self.nodeid = nodeid
        whose = f"the recordings of {nodeid}" if nodeid else f"the recording {path.name}"
        super().__init__(
            f"pytest-llmrec: cannot write {whose}: {directory} {reason}. Make it a writable directory, "
            f"or record elsewhere with --llm-recordings-dir=DIR (ini: llm_recordings_dir); "
            f"the file would have been {path}"
        )

    def of_test(self, nodeid: str) -> RecordingWriteError:
        """The same error, naming the test whose recording it was."""
        return RecordingWriteError(self.path, self.directory, self.reason, nodeid)


class BudgetExceededError(LLMRecordingError):
    """The run's live spend passed ``--llm-budget``, so a live request was refused before it was sent."""

    def __init__(self, budget: float, spent: float, message: str) -> None:
        self.budget = budget
        self.spent = spent
        super().__init__(message)


class ConfigError(ValueError):
    """An option, ini value, environment variable or marker argument is invalid."""


class RecordingWarning(UserWarning):
    """Something in a recording or a run the user should know of, that did not stop it: a payload the
    installed SDK rejects, a foreign file that could not be read, a response that was not recorded."""


def did_you_mean(value: object, choices: Iterable[str]) -> str:
    """`` (did you mean 'warn'?)`` naming the closest choice, or nothing when none is close."""
    close = difflib.get_close_matches(str(value), list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
