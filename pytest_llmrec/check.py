"""``llmrec check``: every recording under some paths, read as the plugin reads it, and what is wrong with it.

It reports a damaged file (naming file and field), a file whose name no longer matches its
content (its request was edited, or it was copied from another scope), a file lying outside its
scope's folder, and temporary files a killed run left. ``--fix`` renames a mismatched file to
the key its content gives, never over an existing file (a conflict is reported instead), and
deletes temporary files whose writer is gone. Files not in this plugin's layout (llama-stack's,
lying flat in a recordings directory) are counted and left alone, and so are VCR.py cassettes
(``llmrec import`` converts those): a cassette is never reported as a damaged recording.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import orjson

from pytest_llmrec.cassettes import sources
from pytest_llmrec.errors import RecordingFileError
from pytest_llmrec.matching import KeyOptions
from pytest_llmrec.storage import atomic, key_check
from pytest_llmrec.storage.recording import Recording
from pytest_llmrec.storage.store import Store, recording_path, scope_folder


@dataclass(frozen=True)
class Finding:
    """One thing wrong with one file; ``fixed`` says what ``--fix`` did about it, if anything."""

    path: Path
    kind: str  # damaged, mismatched, misplaced, temporary, conflict
    field: str
    problem: str
    fixed: str = ""

    def line(self) -> str:
        done = f" [fixed: {self.fixed}]" if self.fixed else ""
        return f"{self.path}: {self.field}: {self.problem}{done}"


@dataclass
class Report:
    recordings: int = 0
    foreign: int = 0
    cassettes: int = 0  # VCR.py cassettes: not recordings, left alone
    unverifiable: int = 0  # a scrubbed value stands in for what was sent: trusted by its name
    findings: list[Finding] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """Whether anything is still wrong: a problem ``--fix`` did not fix."""
        return any(not finding.fixed for finding in self.findings)

    def to_json(self) -> dict[str, Any]:
        return {
            "recordings": self.recordings,
            "foreign": self.foreign,
            "cassettes": self.cassettes,
            "unverifiable": self.unverifiable,
            "problems": [
                {
                    "path": str(f.path),
                    "kind": f.kind,
                    "field": f.field,
                    "problem": f.problem,
                    "fixed": f.fixed,
                }
                for f in self.findings
            ],
        }

    def summary(self) -> str:
        kinds = [finding.kind for finding in self.findings if not finding.fixed]
        counts = ", ".join(f"{kinds.count(kind)} {kind}" for kind in dict.fromkeys(kinds)) or "no problems"
        fixed = sum(1 for finding in self.findings if finding.fixed)
        return (
            f"llmrec check: {self.recordings} recording(s), {counts}"
            + (f", {fixed} fixed" if fixed else "")
            + (f"; {self.foreign} file(s) not in pytest-llmrec's layout left alone" if self.foreign else "")
            + (
                f"; {self.cassettes} VCR.py cassette(s) left alone (llmrec import converts them)"
                if self.cassettes
                else ""
            )
        )


def check(paths: list[Path], *, fix: bool = False) -> Report:
    """Read every recording and temporary file under ``paths``; with ``fix``, repair what can be."""
    report = Report()
    for path in _files(paths):
        if atomic.TEMP_NAME.fullmatch(path.name):
            report.findings.append(_temporary(path, fix))
        elif path.name.endswith((*sources.YAML_SUFFIXES, ".json.gz")) and path.is_file():
            report.cassettes += 1  # named on the command line: a cassette, or nobody's recording
        else:
            _check_recording(path, report, fix)
    return report


def _files(paths: list[Path]) -> list[Path]:
    found = []
    for root in paths:
        if not root.is_dir():
            found.append(root)
            continue
        for folder, dirs, files in os.walk(root):
            names = [
                name for name in files + dirs if name.endswith(".json") or atomic.TEMP_NAME.fullmatch(name)
            ]
            found += [Path(folder) / name for name in names]
    return sorted(found)


def _temporary(path: Path, fix: bool) -> Finding:
    stale = atomic.is_stale(path)
    if not stale:
        return Finding(
            path, "temporary", "<file>", "a temporary file of a write in progress, or of a killed run"
        )
    if fix:
        path.unlink(missing_ok=True)
    return Finding(
        path, "temporary", "<file>", "a temporary file left by a killed run", "deleted" if fix else ""
    )


def _check_recording(path: Path, report: Report, fix: bool) -> None:
    document = _document(path)
    if sources.shape(document) == "cassette":
        report.cassettes += 1
        return
    scope = document.get("test_id") if isinstance(document, dict) else None
    in_layout = isinstance(scope, str) and _in_scope_folder(path, scope)
    try:
        found = Store(path.parent).read(path)
    except RecordingFileError as error:
        if in_layout or document is None:
            report.recordings += 1
            report.findings.append(Finding(path, "damaged", error.field, error.problem))
        else:
            report.foreign += 1
        return
    if found is None:  # removed while we looked
        return
    if not in_layout:
        _check_foreign(path, found, document, report)
        return
    report.recordings += 1
    _check_key(path, found, document, str(scope), report, fix)


def _document(path: Path) -> Any:
    """The file parsed as JSON, or None: what tells this plugin's files from others'."""
    try:
        return orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None


def _in_scope_folder(path: Path, scope: str) -> bool:
    parts = scope_folder(scope).parts
    return path.parent.parts[-len(parts) :] == parts


def _check_foreign(path: Path, found: Recording, document: Any, report: Report) -> None:
    """A file outside its scope's folder: ours (misplaced) if its name is its key, else someone else's."""
    scope = document.get("test_id") if isinstance(document, dict) else None
    named = key_check.name_key(path)
    if isinstance(scope, str) and named is not None:
        try:
            actual = key_check.stored_key(path, found.request, _options(path, document, scope))
        except RecordingFileError:
            actual = None
        if actual == named[0]:
            report.recordings += 1
            problem = f"recorded for scope {scope!r}, whose folder is {scope_folder(scope)}; move it there"
            report.findings.append(Finding(path, "misplaced", "test_id", problem))
            return
    report.foreign += 1


def _options(path: Path, document: dict[str, Any], scope: str) -> KeyOptions:
    return key_check.key_options_from(document, scope, path)


def _check_key(
    path: Path, found: Recording, document: dict[str, Any], scope: str, report: Report, fix: bool
) -> None:
    try:
        options = _options(path, document, scope)
        variants = [options]
        if key_check.KEY_OPTIONS_FIELD not in document:  # match_host, recorded before files said so
            variants.append(KeyOptions(scope, match_host=True))
        keys = [key_check.stored_key(path, found.request, variant) for variant in variants]
    except RecordingFileError as error:
        report.findings.append(Finding(path, "damaged", error.field, error.problem))
        return
    named = key_check.name_key(path)
    if keys[0] is None:
        report.unverifiable += 1
        return
    if named is not None and named[0] in keys:
        return
    occurrence = named[1] if named is not None else 1
    target = recording_path(path.parent, keys[0], occurrence)
    problem = (
        f"the file's name no longer matches its content (hand-edited, or copied): its key is {target.name}"
    )
    if not fix:
        report.findings.append(Finding(path, "mismatched", "request", problem))
    elif atomic.move(path, target):
        report.findings.append(Finding(path, "mismatched", "request", problem, f"renamed to {target.name}"))
    else:
        conflict = f"{problem}, but {target.name} exists: not renamed; compare the two and keep one"
        report.findings.append(Finding(path, "conflict", "request", conflict))


def main(paths: list[Path], *, fix: bool, as_json: bool) -> int:
    """Print the report; 1 if anything is still wrong."""
    report = check(paths, fix=fix)
    show(report, as_json=as_json)
    return 1 if report.failed else 0


class Shown(Protocol):
    """A report ``show`` prints: ``llmrec check``'s, or ``check --sdk``'s."""

    @property
    def findings(self) -> list[Finding]: ...

    def summary(self) -> str: ...

    def to_json(self) -> dict[str, Any]: ...


def show(report: Shown, *, as_json: bool) -> None:
    """The problems on stderr and the summary on stdout, or all as JSON on stdout."""
    if as_json:
        print(orjson.dumps(report.to_json(), option=orjson.OPT_INDENT_2).decode())
        return
    for finding in report.findings:
        print(finding.line(), file=sys.stderr)
    print(report.summary())
