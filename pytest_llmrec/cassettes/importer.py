"""``llmrec import`` for VCR.py cassettes: each interaction recorded again, offline, as native files.

There is no second writer: each cassette's interactions go through a ``Tape`` in
``record-missing`` mode, as if the test had just sent them live, so the files come out as the
plugin itself writes them (parsed JSON, typed stream events, stable ids, credentials scrubbed,
the same request keys). They land in a temporary directory first, then each is placed where a
vcr-marked test using that cassette looks for it (``location.native_folder``): written when
absent, left alone when identical, and a conflict, never overwritten, when it differs.
"""

from __future__ import annotations

import dataclasses
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vcr.request import Request

from pytest_llmrec.cassettes import bodies, files, sources
from pytest_llmrec.cassettes.location import native_folder
from pytest_llmrec.config import Settings, resolve
from pytest_llmrec.errors import RecordingFileError, RecordingWarning, SecretInRecordingError
from pytest_llmrec.modes import Mode
from pytest_llmrec.options import Options
from pytest_llmrec.storage import atomic
from pytest_llmrec.tape import Tape


@dataclass
class Outcome:
    """What importing some cassettes did, file by file."""

    cassettes: list[Path] = field(default_factory=list)
    converted: list[Path] = field(default_factory=list)  # cassettes that gave at least one new file
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    conflicts: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # a file, or an interaction of one
    recordings: int = 0  # native recordings met among the sources, left alone

    def merge(self, other: Outcome) -> None:
        for name in ("cassettes", "converted", "written", "unchanged", "conflicts", "skipped"):
            getattr(self, name).extend(getattr(other, name))
        self.recordings += other.recordings


def import_cassettes(source: Path, destination: Path | None = None) -> Outcome:
    """Convert every cassette under ``source``: in place, or mirrored under ``destination``."""
    outcome = Outcome()
    for path in sources.candidates(source):
        kind = sources.kind(path)
        if kind == "recording":
            outcome.recordings += 1
        elif kind == "other":
            outcome.skipped.append((path, "not a VCR.py cassette"))
        else:
            outcome.merge(convert(path, _target_dir(path, source, destination)))
    return outcome


def _target_dir(cassette: Path, source: Path, destination: Path | None) -> Path:
    folder, _ = native_folder(cassette)
    if destination is None:
        return folder
    return destination / folder.relative_to(source) if source.is_dir() else destination


def convert(cassette: Path, recordings_dir: Path) -> Outcome:
    """One cassette's interactions as native files in ``recordings_dir``, scoped by the cassette's name."""
    outcome = Outcome()
    try:
        found = files.read_interactions(cassette)
    except RecordingFileError as error:
        shape = error.field == "<document>" and error.problem.startswith("not a VCR.py cassette")
        reason = error.problem if shape else f"unreadable: {error.field}: {error.problem}"
        outcome.skipped.append((cassette, reason))
        return outcome
    outcome.cassettes.append(cassette)
    _, scope = native_folder(cassette)
    with tempfile.TemporaryDirectory(prefix="llmrec-import-") as temporary:
        produced = _record(cassette, scope, Path(temporary), found, outcome)
        for path in produced:
            _place(path, recordings_dir / path.relative_to(temporary), outcome)
    if any(path.is_relative_to(recordings_dir) for path in outcome.written):
        outcome.converted.append(cassette)
    return outcome


def _record(
    cassette: Path, scope: str, folder: Path, found: files.Interactions, outcome: Outcome
) -> list[Path]:
    """Feed the interactions to a tape writing into ``folder``; returns the files it wrote."""
    config = resolve(
        options=Options(),
        marker=Settings(mode=Mode.RECORD_MISSING, name=scope),
        fixture=Settings(),
        nodeid=scope,
        test_dir=folder,
    )
    tape = Tape(dataclasses.replace(config, recordings_dir=folder), f"llmrec import {cassette}")
    for request, response, where in zip(found.requests, found.responses, found.fields, strict=True):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", RecordingWarning)
            try:
                reason = _interaction(tape, cassette, where, request, response)
            except (RecordingFileError, ValueError) as error:
                reason = str(error)
        reason = reason or "; ".join(
            str(w.message) for w in caught if issubclass(w.category, RecordingWarning)
        )
        if reason:
            outcome.skipped.append((cassette, f"{where}: {reason}"))
    try:
        tape.close(True)
    except SecretInRecordingError as error:
        outcome.skipped.append((cassette, f"refused: {error}"))
    return sorted(tape.recorder.written)


def _interaction(
    tape: Tape, cassette: Path, where: str, request: Request, response: dict[str, Any]
) -> str | None:
    """Record one interaction as if it had just come back live; a reason when it cannot be."""
    body = request.body_bytes if isinstance(request.body_bytes, (bytes, type(None))) else None
    url = tape.ids.substitute(request.uri)  # ids an earlier answer gave, as the replayed test sends them
    if body is not None:
        body = tape.ids.substitute(body.decode("latin-1")).encode("latin-1")
    plan = tape.plan(request.method, url, request.headers, body)
    if plan.request is None:
        return "ignored request: the tape records nothing for it"
    string = response["body"]["string"]
    headers = [(name, value) for name, values in response["headers"].items() for value in values]
    encoding = bodies.header(response["headers"], "content-encoding")
    data = bodies.decoded(string, encoding, cassette, f"{where}.body")
    if encoding is not None:  # decoded now, or stored decoded: the tape must not decode it again
        headers = [(name, value) for name, value in headers if name.lower() != "content-encoding"]
    take = plan.respond(response["status"]["code"], headers, rewrite=False)
    take.feed(data)
    take.finish()
    return None


def _place(produced: Path, target: Path, outcome: Outcome) -> None:
    """Absent: written (atomically, never over a file); identical: unchanged; different: a conflict."""
    data = produced.read_bytes()
    if atomic.write(target, data, overwrite=False):
        outcome.written.append(target)
    elif target.is_file() and target.read_bytes() == data:
        outcome.unchanged.append(target)
    else:
        outcome.conflicts.append(target)
