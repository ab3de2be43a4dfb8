"""Which folders hold recordings rather than tests, so pytest's collection walk can skip them.

pytest visits every file below its arguments, and calls its collection hooks for each:
with 10,000 recordings on disk that walk is most of a session's start-up. A folder is
skipped when it is a recordings folder (one of the configured ``llm_recordings_dir`` and
``llm_shared_recordings_dirs``, or any folder named ``recordings``, the default) and holds
no ``*.py`` file directly inside: a test package that happens to be named ``recordings``
has its ``__init__.py``, ``conftest.py`` or ``test_*.py`` there, and is still collected.
Tests in a folder below a recordings folder with no Python file of its own are not
collected (rename the folder, or add a ``conftest.py`` to it). A recordings_dir named
only by a marker or fixture is known when its test runs, too late: that folder is walked.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

DEFAULT_NAME = "recordings"


def holds_only_recordings(folder: Path, configured: Iterable[Path]) -> bool:
    """Whether pytest need not look inside ``folder``: a recordings folder with no Python file of its own."""
    if folder.name != DEFAULT_NAME and folder not in set(configured):
        return False
    try:
        with os.scandir(folder) as entries:
            return not any(entry.name.endswith(".py") for entry in entries)
    except OSError:  # not a directory, or unreadable: pytest reports it as it would without us
        return False
