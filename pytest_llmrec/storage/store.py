"""A directory of recordings: where a scope's files live, reading them, writing them atomically.

Layout: ``<recordings_dir>/<scope as folders>/<request key>.json`` (``<key>.<n>.json``
for the n-th identical request). A lookup opens one known path; nothing scans
the directory (``rewrite``'s clean-up and ``--llm-unused`` live in ``unused``).

A write goes to a temporary file ``.<name>.<pid>.<random>.tmp`` beside the target. It is
fsynced, linked (or renamed) into place, and the directory fsynced. So a run killed at any
moment leaves whole recordings and at most a temporary file, which no reader takes for a
recording (its name does not end in ``.json``) and the next write into that folder removes.
"""

from __future__ import annotations

import contextlib
import enum
import hashlib
import os
import re
from pathlib import Path
from typing import Any

import orjson

from pytest_llmrec.errors import RecordingFileError, RecordingWriteError
from pytest_llmrec.storage import atomic, key_check, pace, provenance, recording
from pytest_llmrec.storage.recording import Recording
from pytest_llmrec.storage.scrub import Scrubber

_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-\[\]=+,@]")
MAX_PART = 80


def _safe_part(part: str) -> str:
    safe = _UNSAFE.sub("_", part).strip(".") or "_"
    if safe == part and len(part) <= MAX_PART:
        return part
    return f"{safe[:MAX_PART]}-{hashlib.sha256(part.encode()).hexdigest()[:8]}"


def scope_folder(scope: str) -> Path:
    """Folders for a scope: ``tests/test_chat.py::TestA::test_x[1]`` gives ``test_chat/TestA/test_x[1]``.

    Parts are kept readable; a part changed to be file-system safe gets a short hash, so
    two scopes never share a folder by accident.
    """
    parts = scope.split("::")
    if parts[0].endswith(".py"):
        parts[0] = Path(parts[0]).stem
    return Path(*[_safe_part(p) for p in parts if p])


def recording_path(folder: Path, key: str, occurrence: int) -> Path:
    """The file of the ``occurrence``-th request with this key, in a scope's folder."""
    return folder / (f"{key}.json" if occurrence == 1 else f"{key}.{occurrence}.json")


class Written(enum.Enum):
    """What ``Store.write`` did; true unless an existing file was kept (``record-missing``)."""

    NEW = "written"  # the file holds new bytes
    UNCHANGED = "unchanged"  # a rewrite whose document equals the file's: no byte changed
    KEPT = "kept"  # the file existed and was not to be replaced

    def __bool__(self) -> bool:
        return self is not Written.KEPT


class Store:
    """One recordings directory."""

    def __init__(self, root: Path, scrubber: Scrubber | None = None) -> None:
        self.root = root
        self.scrubber = scrubber or Scrubber()
        # Set to a dict to keep the bytes each write replaces (what a review report compares with).
        self.replaced: dict[Path, bytes] | None = None

    def scope_dir(self, scope: str) -> Path:
        return self.root / scope_folder(scope)

    def path_for(self, scope: str, key: str, occurrence: int) -> Path:
        return recording_path(self.scope_dir(scope), key, occurrence)

    def read(self, path: Path) -> Recording | None:
        """The recording at ``path``, None if there is none; a broken file raises RecordingFileError.

        A directory or a dangling symlink at the path is broken too: it must not pass for a
        missing file, which record-missing would then try, and fail, to write on every run.
        """
        try:
            with open(path, "rb") as handle:  # builtin open: a replay's one read, without pathlib's layers
                data = handle.read()
        except FileNotFoundError:
            if os.path.islink(path):
                target = os.readlink(path)
                raise RecordingFileError(
                    path,
                    "<file>",
                    f"a symlink to {target}, which does not exist; restore it or remove the link",
                ) from None
            return None
        except NotADirectoryError:  # a file where a folder of the path should be: nothing recorded
            return None  # there, and recording there names the file (RecordingWriteError)
        except IsADirectoryError:
            raise RecordingFileError(
                path, "<file>", "a directory, not a recording file; move it away"
            ) from None
        except OSError as error:
            raise RecordingFileError(path, "<file>", f"cannot be read: {error.strerror}") from None
        return recording.loads(data, path)

    def scope_recordings(self, scope: str) -> list[tuple[Path, Recording]]:
        """Every readable recording of a scope (a broken one is left to the lookup that needs it)."""
        folder = self.scope_dir(scope)
        found = []
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            with contextlib.suppress(RecordingFileError):
                rec = self.read(path)
                if rec is not None:
                    found.append((path, rec))
        return found

    def write(
        self, path: Path, rec: Recording, *, overwrite: bool, key_options: dict[str, Any] | None = None
    ) -> Written:
        """Write durably and atomically (see the module's docstring); never leaves a half-written file.

        With ``overwrite``, a file that differs only in ``id_normalization_mapping``, or in a
        stream's timing by less than ``pace``'s same-pace rule, is left alone, so re-recording the
        same answers changes no byte. Without ``overwrite`` an
        existing file is kept and False returned, even if another
        process created it a moment ago. Credentials are scrubbed first; a document that still
        looks like it holds a key raises SecretInRecordingError and nothing is written.
        ``key_options``: the options other than the defaults the file's key was made with.
        """
        document = recording.to_document(rec)
        if key_options:
            document[key_check.KEY_OPTIONS_FIELD] = key_options
        document = self.scrubber.scrub(document)
        self.scrubber.check(document, str(path))
        try:
            self.tidy(path.parent)
            existing = _existing(path) if overwrite else None
            if existing is not None:
                document = pace.settled(_parsed(existing), document)  # the old timing, if the same pace
                if _same_but_real_ids(existing, document):
                    return Written.UNCHANGED  # at most the real ids behind the stable ones changed: kept
                if self.replaced is not None:
                    self.replaced[path] = existing
            placed = atomic.write(path, recording.dumps(document), overwrite=overwrite)
            return Written.NEW if placed else Written.KEPT
        except OSError as error:
            raise RecordingWriteError(path, *_unwritable(path.parent, error)) from error

    def tidy(self, folder: Path) -> None:
        """Remove the temporary files a killed run left in ``folder``, once per folder and process."""
        if folder not in _TIDIED:
            _TIDIED.add(folder)
            atomic.remove_stale(folder)


def _unwritable(folder: Path, error: OSError) -> tuple[Path, str]:
    """The directory that kept a recording out of ``folder``, and why: the deepest part of the path
    that exists is a file, or a directory the process cannot write to (read-only, full...)."""
    existing = folder
    while not os.path.lexists(existing) and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        return existing, "is a file, not a directory"
    return existing, f"cannot be written to ({error.strerror or error})"


_TIDIED: set[Path] = set()  # folders already rid of stale temporary files by this process


def _existing(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _parsed(data: bytes) -> Any:
    """The document in a file's bytes, None if they do not parse."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return None


def _same_but_real_ids(existing_bytes: bytes, document: dict[str, Any]) -> bool:
    """Whether the file's bytes hold ``document`` apart from the real ids its stable ids stand for and
    its provenance: an answer recorded again as it was keeps its bytes, and says where it came from."""
    try:
        existing = orjson.loads(existing_bytes)
    except orjson.JSONDecodeError:
        return False
    if not isinstance(existing, dict):
        return False
    ignored = {"id_normalization_mapping": None, provenance.FIELD: None}
    return bool({**existing, **ignored} == orjson.loads(recording.dumps({**document, **ignored})))
