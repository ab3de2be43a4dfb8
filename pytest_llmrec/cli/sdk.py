"""``llmrec check --sdk``: which recordings the installed SDKs would reject, before a test meets them.

Every recorded ``__data__`` (a body, or each stream event) is validated against the class its
``__type__`` names, in the installed SDK, by the validator replay uses (``storage.sdk_check``). So
after ``pip install -U openai`` and before the suite runs, a team sees per file and field what
the new SDK no longer reads. By default a payload counts as rejected where the SDK itself would
trip: openai and anthropic build responses without validating them, so only a missing required
field counts for them; SDKs that validate (ollama, google-genai) reject any mismatch. ``--strict``
counts every field the declared types do not admit, as ``--llm-strict`` does in a run.

A type whose SDK is not installed is listed as "not installed" and is not an error: a project may
keep recordings of a provider whose SDK this environment lacks (the summary counts them, so a
check that validated nothing does not pass unnoticed). A type whose SDK *is* installed but has no
such class is an error: the upgrade renamed or removed it, and replay would fall back to a dict.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_llmrec import check as checking
from pytest_llmrec.cassettes import sources
from pytest_llmrec.errors import RecordingFileError
from pytest_llmrec.storage import sdk_check
from pytest_llmrec.storage.provenance import installed_version
from pytest_llmrec.storage.recording import Recording
from pytest_llmrec.storage.store import Store


@dataclass
class SdkReport:
    recordings: int = 0
    payloads: int = 0  # validated against an installed class
    checked_with: dict[str, str] = field(default_factory=dict)  # package: version
    not_installed: Counter[str] = field(default_factory=Counter)  # type path: payloads not checked
    cassettes: int = 0
    foreign: int = 0
    findings: list[checking.Finding] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "recordings": self.recordings,
            "payloads_checked": self.payloads,
            "checked_with": dict(sorted(self.checked_with.items())),
            "not_installed": dict(sorted(self.not_installed.items())),
            "cassettes": self.cassettes,
            "foreign": self.foreign,
            "problems": [
                {"path": str(f.path), "kind": f.kind, "field": f.field, "problem": f.problem}
                for f in self.findings
            ],
        }

    def summary(self) -> str:
        files = len({finding.path for finding in self.findings})
        verdict = f"{len(self.findings)} problem(s) in {files} file(s)" if self.findings else "no problems"
        sdks = ", ".join(f"{name} {version}" for name, version in sorted(self.checked_with.items()))
        line = (
            f"llmrec check --sdk: {self.recordings} recording(s), {self.payloads} payload(s) checked"
            + (f" against {sdks}" if sdks else "")
            + f": {verdict}"
        )
        if self.not_installed:
            packages = sorted({sdk_check.package_of(path) or path for path in self.not_installed})
            line += (
                f"; {sum(self.not_installed.values())} payload(s) not checked, SDK not installed: "
                + ", ".join(packages)
            )
        return line


def check_sdk(paths: list[Path], *, strict: bool = False) -> SdkReport:
    """Validate every typed payload of every recording under ``paths`` against the installed SDKs."""
    report = SdkReport()
    for path in checking._files(paths):
        if not path.name.endswith(".json") or not path.is_file():
            continue  # temporary files and folders: `llmrec check` reports those
        document = checking._document(path)
        if sources.shape(document) == "cassette":
            report.cassettes += 1
            continue
        try:
            found = Store(path.parent).read(path)
        except RecordingFileError as error:
            scope = document.get("test_id") if isinstance(document, dict) else None
            if document is None or (isinstance(scope, str) and checking._in_scope_folder(path, scope)):
                report.recordings += 1
                report.findings.append(checking.Finding(path, "damaged", error.field, error.problem))
            else:
                report.foreign += 1
            continue
        if found is not None:
            report.recordings += 1
            _check_payloads(path, found, report, strict)
    return report


def _check_payloads(path: Path, found: Recording, report: SdkReport, strict: bool) -> None:
    for where, type_path, _, cls in sdk_check.declared_payloads(found.response.body, "response.body"):
        package = sdk_check.package_of(type_path) or type_path
        version = installed_version(package)
        if cls is not None:
            report.payloads += 1
            report.checked_with[package] = version or "unknown version"
        elif version is None:
            report.not_installed[type_path] += 1
        else:
            problem = f"the installed {package} {version} has no class {type_path}"
            report.findings.append(
                checking.Finding(path, "no class", f"{where[: -len('.__data__')]}.__type__", problem)
            )
    for rejection in sdk_check.rejections(found.response, strict=strict):
        package = sdk_check.package_of(rejection.type_path) or rejection.type_path
        name = rejection.type_path.rpartition(".")[2]
        problem = f"{package} {installed_version(package)}'s {name} rejects it: {rejection.message}"
        report.findings.append(checking.Finding(path, "rejected", rejection.field, problem))


def main(paths: list[Path], *, strict: bool, as_json: bool) -> int:
    """Print the problems (stderr) and a summary (stdout), or all as JSON; 1 if any payload is rejected."""
    report = check_sdk(paths, strict=strict)
    checking.show(report, as_json=as_json)
    return 1 if report.findings else 0
