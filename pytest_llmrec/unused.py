"""Which recordings no test used, and which could not be read: decided per scope folder, once per run.

A recording is ``unused`` only if no test of the suite can need it, and the run is the
only evidence: what a test reads is known once its configuration resolves (the
``llm_recording_config`` fixture and markers added by hooks are known only then), and
which files it reads is known only once it ran. So a verdict needs:

* a run that collected the whole suite. File or node arguments short of it
  (``tests/test_a.py``, ``tests/test_a.py::test_x``), ``--ignore`` and ``--lf`` leave tests
  out that might use any folder; ``pytest``, or ``pytest tests`` where ``tests`` is all of
  ``testpaths``, do not;
* every collected recording test resolved: a test deselected (``-k``, ``-m``,
  ``--deselect``), skipped before its setup, or never reached (``-x``, ``--maxfail``,
  Ctrl-C) might use any folder, so such a run judges nothing;
* a run that was not stopped (``session.shouldstop``/``shouldfail``, an interruption);
* and, per scope folder (``recordings_dir / scope``), that every test reading it (its
  scope in its recordings_dir or one of its shared_dirs) ran its body and passed. A test
  that failed or skipped half-way may not have reached the request that uses a file.

One exception to the first three: ``rewrite`` of a test whose scope is its node id (no
``name=``) judges that test's own folder even in a narrowed run, since no other test reads it and
re-recording that one test is what was asked (``rewritten_alone``).

Only the folders of a test's own recordings_dir are judged: shared_dirs are read, never
written, so nothing in them is listed or deleted. A file of a judged folder no test
touched is read before it is listed: one that fails to read is ``broken`` (reported,
never listed as unused, never deleted), like any file a test failed to read. Only
regular ``*.json`` files directly in a scope folder are considered: directories,
symlinks and anything else are never listed or deleted. Only the judged folders are
walked, so a narrowed run costs no walk at all.

Under pytest-xdist every worker collects the whole suite and runs part of it; each
sends its part (``to_json``) and the controller adds them up (``merge``) and decides once.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_llmrec.errors import RecordingFileError
from pytest_llmrec.storage import recording


def narrowing(args: Iterable[str], base: Path, roots: Iterable[Path], flags: Iterable[str]) -> str | None:
    """What kept some of the suite from being collected, or None for a whole run.

    ``args``: the file or node arguments given (relative to ``base``), none for a plain run;
    ``roots``: what a plain run collects (testpaths, else the directory pytest runs in);
    ``flags``: the collection-narrowing options in effect, as the user wrote them.
    """
    given = list(args)
    if given:
        paths = [(base / arg.split("::")[0]).resolve() for arg in given]
        whole = all("::" not in arg for arg in given) and all(
            any(root == path or path in root.parents for path in paths) for root in roots
        )
        if not whole:
            return " ".join(given)
    return ", ".join(flags) or None


def stop_reason(shouldstop: bool | str, shouldfail: bool | str, interrupted: bool) -> str | None:
    """Why a session ended before its last test (pytest's own words where it has them), or None."""
    for reason in (shouldfail, shouldstop):
        if reason:
            return reason if isinstance(reason, str) else "stopped"
    return "interrupted" if interrupted else None


@dataclass
class Verdict:
    """What a run found: files to list (or prune), and files that could not be read."""

    unused: list[Path] = field(default_factory=list)
    broken: dict[Path, str] = field(default_factory=dict)  # file -> why it could not be read
    rewritten: set[Path] = field(default_factory=set)  # judged folders whose every test ran ``rewrite``


@dataclass
class StoreUsage:
    collected: set[str] = field(default_factory=set)  # recording tests, before -k and -m deselect
    folders: dict[str, list[Path]] = field(default_factory=dict)  # test -> folders it reads, own first
    passed: set[str] = field(default_factory=set)  # tests whose body ran to the end and passed
    rewriting: set[str] = field(default_factory=set)  # tests that ran in ``rewrite`` mode
    sole: set[str] = field(default_factory=set)  # tests whose scope is their node id: no other test reads it
    touched: set[Path] = field(default_factory=set)  # files replayed, written or kept
    broken: dict[Path, str] = field(default_factory=dict)  # files a test failed to read, and why
    narrowed: str | None = None  # why the run did not collect the whole suite
    stopped: str | None = None  # why the run ended before its last test

    def add(
        self,
        nodeid: str,
        folders: list[Path],
        *,
        passed: bool,
        rewrite: bool,
        touched: list[Path],
        sole: bool = False,
    ) -> None:
        """A test's resolved folders (its own scope folder first) and what it did with them;
        ``sole``: its scope is its node id, so no other test reads its own folder."""
        self.folders[nodeid] = folders
        if sole:
            self.sole.add(nodeid)
        if passed:
            self.passed.add(nodeid)
        if rewrite:
            self.rewriting.add(nodeid)
        self.touched.update(touched)

    def unresolved(self) -> set[str]:
        """Collected recording tests that never reached their setup: their folders are unknown."""
        return self.collected - self.folders.keys()

    def why_not_checked(self) -> str | None:
        """Why this run can judge no folder at all, or None if it can judge some."""
        if self.narrowed:
            return f"the run collected part of the suite ({self.narrowed})"
        if self.stopped:
            return f"the run stopped early ({self.stopped})"
        unresolved = self.unresolved()
        if unresolved:
            return (
                f"{len(unresolved)} test(s) with recordings did not run (deselected, skipped or interrupted)"
            )
        return None

    def exercised(self) -> list[Path]:
        """Scope folders of this run's recordings_dirs whose every reader ran and passed."""
        if self.why_not_checked():
            return []
        readers: dict[Path, set[str]] = defaultdict(set)
        for nodeid, folders in self.folders.items():
            for folder in folders:
                readers[folder].add(nodeid)
        own = {folders[0] for folders in self.folders.values() if folders}
        return sorted(folder for folder in own if readers[folder] <= self.passed)

    def rewritten_alone(self) -> list[Path]:
        """Own folders of tests that no other test reads, which ran ``rewrite`` and passed.

        They are judged even in a narrowed run: ``pytest --llm-record=rewrite NODE_ID`` asks to record
        that test again, and its folder's other files are what the new requests no longer use.
        """
        readers: dict[Path, set[str]] = defaultdict(set)
        for nodeid, folders in self.folders.items():
            for folder in folders:
                readers[folder].add(nodeid)
        alone = self.sole & self.rewriting & self.passed
        own = {self.folders[nodeid][0] for nodeid in alone if self.folders.get(nodeid)}
        return sorted(folder for folder in own if len(readers[folder]) == 1)

    def verdict(self) -> Verdict:
        """Walk the exercised folders only, and read each untouched file before calling it unused."""
        found = Verdict(broken=dict(self.broken))
        exercised = self.exercised()
        exercised += [folder for folder in self.rewritten_alone() if folder not in exercised]
        for folder in exercised:
            for path in _recording_files(folder):
                if path in self.touched or path in found.broken:
                    continue
                problem = _read_problem(path)
                if problem is None:
                    found.unused.append(path)
                else:
                    found.broken[path] = problem
        rewriters: dict[Path, set[str]] = defaultdict(set)
        for nodeid, folders in self.folders.items():
            for folder in folders:
                rewriters[folder].add(nodeid)
        found.rewritten = {f for f in exercised if rewriters[f] <= self.rewriting}
        return found

    def to_json(self) -> dict[str, Any]:
        return {
            "collected": sorted(self.collected),
            "folders": {nodeid: [str(f) for f in folders] for nodeid, folders in self.folders.items()},
            "passed": sorted(self.passed),
            "rewriting": sorted(self.rewriting),
            "sole": sorted(self.sole),
            "touched": sorted(str(path) for path in self.touched),
            "broken": {str(path): problem for path, problem in self.broken.items()},
            "stopped": self.stopped,
        }

    def merge(self, data: dict[str, Any]) -> None:
        """Add a pytest-xdist worker's usage: every worker collected all tests, each ran some."""
        self.collected.update(data["collected"])
        self.folders.update(
            {nodeid: [Path(f) for f in folders] for nodeid, folders in data["folders"].items()}
        )
        self.passed.update(data["passed"])
        self.rewriting.update(data["rewriting"])
        self.sole.update(data["sole"])
        self.touched.update(Path(path) for path in data["touched"])
        self.broken.update({Path(path): problem for path, problem in data["broken"].items()})
        self.stopped = self.stopped or data["stopped"]


def _recording_files(folder: Path) -> list[Path]:
    """Regular ``*.json`` files directly in ``folder``: no directory, symlink or dangling link."""
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted(
        Path(entry.path)
        for entry in entries
        if entry.name.endswith(".json") and entry.is_file(follow_symlinks=False)
    )


def _read_problem(path: Path) -> str | None:
    """Why the file cannot be read as a recording, or None if it can."""
    try:
        recording.loads(path.read_bytes(), path)
    except RecordingFileError as error:
        return str(error)
    except OSError as error:
        return f"{path}: {error.strerror or error}"
    return None


def delete(paths: Iterable[Path]) -> list[Path]:
    """Delete the given recordings, skipping anything that is no longer a regular file; returns what went."""
    deleted = []
    for path in paths:
        if path.is_file() and not path.is_symlink():
            path.unlink()
            deleted.append(path)
    return deleted
