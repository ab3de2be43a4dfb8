"""Every recording under some paths, read as the plugin reads it.

A JSON file that is not shaped like a recording (a ``package.json``, a fixture, a VCR.py
cassette) is none of our business and is passed over; one that is shaped like a recording but
cannot be read is reported as damaged, with the file and the field.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from pytest_llmrec.cassettes import sources
from pytest_llmrec.errors import ConfigError, RecordingFileError
from pytest_llmrec.scan import SKIPPED_DIRS
from pytest_llmrec.storage import recording, validate
from pytest_llmrec.storage.recording import Recording


@dataclass(frozen=True)
class Found:
    """A recording file, read: its path, its size in bytes and what it holds."""

    path: Path
    size: int
    recording: Recording


@dataclass
class Harvest:
    """What a walk found: the recordings, the damaged ones, and how many other files it passed over."""

    recordings: list[Found] = field(default_factory=list)
    damaged: list[RecordingFileError] = field(default_factory=list)
    others: int = 0


def json_files(paths: Iterable[Path]) -> list[Path]:
    """``*.json`` files named or under the given directories, sorted; tool and VCS folders skipped."""
    found: list[Path] = []
    for root in paths:
        if not root.is_dir():
            found.append(root)
            continue
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
            found += [Path(folder) / name for name in files if name.endswith(".json")]
    return sorted(found)


def read(path: Path) -> Found | None:
    """The recording in ``path``, or None when the file is not one; raises ``RecordingFileError``
    when it looks like a recording but cannot be read, or cannot be read at all."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise RecordingFileError(path, "<file>", error.strerror or str(error)) from None
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    if sources.shape(document) != "recording":
        return None
    found = recording.from_document(document, path, validate.typed_keys_in(data))
    return Found(path, len(data), found)


def require(path: Path) -> Found:
    """The recording in ``path``; a ``ConfigError`` saying what the file is instead, when it is not one."""
    each = read(path)
    if each is not None:
        return each
    if sources.kind(path) == "cassette":
        raise ConfigError(f"{path} is a VCR.py cassette, not a recording: `llmrec import {path}` converts it")
    raise ConfigError(f"{path} is not a recording: it has no request and response")


def harvest(paths: Iterable[Path], progress: Callable[[int, int], None] | None = None) -> Harvest:
    """Read every JSON file under ``paths``; ``progress(done, total)`` is called as files are read."""
    files = json_files(paths)
    result = Harvest()
    for done, path in enumerate(files, 1):
        try:
            found = read(path)
        except RecordingFileError as error:
            result.damaged.append(error)
        else:
            if found is None:
                result.others += 1
            else:
                result.recordings.append(found)
        if progress is not None:
            progress(done, len(files))
    return result
