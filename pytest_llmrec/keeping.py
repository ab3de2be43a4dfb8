"""What a test leaves on disk at teardown: each pending recording written or kept, and logged.

The tape decides what to record while the test runs; at its end ``write`` hands each recording to
the store and notes what the store did (new, unchanged, kept) in the test's log, and what changed
for ``--llm-review``. A recording refused (it holds a secret, its directory cannot be written) does
not stop the others: the refusals are returned for the tape to raise once all are written.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pytest_llmrec.errors import (
    LLMRecordingError,
    RecordingFileError,
    RecordingWarning,
    RecordingWriteError,
    SecretInRecordingError,
)
from pytest_llmrec.recorder import Exchange, LLMRecorder
from pytest_llmrec.review import changes as review_changes
from pytest_llmrec.storage.recording import Recording
from pytest_llmrec.storage.store import Store, Written


def write(
    store: Store,
    pending: Iterable[tuple[Path, Recording]],
    recorder: LLMRecorder,
    *,
    overwrite: bool,
    key_options: dict[str, Any],
    refreshed: set[Path],
    changes: list[dict[str, Any]] | None,
    nodeid: str,
) -> list[LLMRecordingError]:
    """Write each recording; ``refreshed`` gets every file now current, ``changes`` (if kept) what
    each new file changed. Returns the refusals, in order."""
    refused: list[LLMRecordingError] = []
    for path, recording in pending:
        try:
            written = store.write(path, recording, overwrite=overwrite, key_options=key_options)
        except SecretInRecordingError as error:
            refused.append(error)
            continue
        except RecordingWriteError as error:
            refused.append(error.of_test(nodeid))
            continue
        done = {Written.NEW: recorder.written, Written.UNCHANGED: recorder.unchanged}
        done.get(written, recorder.kept).append(path)
        refreshed.add(path)
        if written is Written.NEW and changes is not None:
            _review(store, path, changes)
    return refused


def _review(store: Store, path: Path, changes: list[dict[str, Any]]) -> None:
    """What the file just written changed, read back as written (scrubbed), for ``--llm-review``."""
    assert store.replaced is not None
    old = store.replaced.pop(path, None)
    with contextlib.suppress(RecordingFileError):
        new = store.read(path)
        if new is not None:
            changes.append(review_changes.written(path, old, new).to_json())


def warn_unfinished(unfinished: Iterable[Exchange], nodeid: str) -> None:
    """One warning per response the test stopped reading before it ended: it was not recorded."""
    for exchange in unfinished:
        warnings.warn(
            RecordingWarning(
                f"{exchange.method} {exchange.url}: the response was not read to the end before "
                f"{nodeid} finished, so it was not recorded"
            ),
            stacklevel=3,
        )
