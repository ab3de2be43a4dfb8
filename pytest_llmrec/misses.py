"""The message a user reads when a request has no recording: what was asked, what is close, how to record.

The nearest recordings of the scope are shown with a field-level diff of their request
bodies (recorded -> live), so a changed prompt or temperature is visible at a glance.
Credentials are scrubbed from it as from a recording: the message ends up in CI logs.
"""

from __future__ import annotations

import dataclasses
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_llmrec.matching import RequestKey
from pytest_llmrec.recorder import LLMRecorder
from pytest_llmrec.storage.scrub import Scrubber

BODY_PREVIEW = 600
VALUE_PREVIEW = 60
NEAREST = 3
DIFF_LINES = 8
ABSENT = "(absent)"


@dataclass(frozen=True)
class Candidate:
    """A recording of the same scope, with the request it answers, normalised like the live one."""

    path: Path
    method: str
    path_on_wire: str
    body: Any
    problem: str = ""  # why the file does not answer the request its name says, if it does not


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= VALUE_PREVIEW else text[: VALUE_PREVIEW - 4] + " ..."


def field_diff(recorded: Any, live: Any, path: str = "") -> list[str]:
    """``path: recorded -> live`` for every field that differs, deepest first found."""
    if isinstance(recorded, dict) and isinstance(live, dict):
        lines = []
        for key in sorted(recorded.keys() | live.keys(), key=str):
            inner = f"{path}.{key}" if path else str(key)
            if key not in live:
                lines.append(f"{inner}: {_short(recorded[key])} -> {ABSENT}")
            elif key not in recorded:
                lines.append(f"{inner}: {ABSENT} -> {_short(live[key])}")
            else:
                lines += field_diff(recorded[key], live[key], inner)
        return lines
    if isinstance(recorded, list) and isinstance(live, list):
        lines = []
        for index in range(max(len(recorded), len(live))):
            inner = f"{path}[{index}]"
            if index >= len(live):
                lines.append(f"{inner}: {_short(recorded[index])} -> {ABSENT}")
            elif index >= len(recorded):
                lines.append(f"{inner}: {ABSENT} -> {_short(live[index])}")
            else:
                lines += field_diff(recorded[index], live[index], inner)
        return lines
    return [] if recorded == live else [f"{path or '<body>'}: {_short(recorded)} -> {_short(live)}"]


def _nearest(candidates: list[Candidate], canonical: dict[str, Any]) -> list[tuple[Candidate, list[str]]]:
    scored = []
    for candidate in candidates:
        lines = field_diff(candidate.body, canonical.get("body"))
        if (candidate.method, candidate.path_on_wire) != (canonical["method"], canonical["path"]):
            lines.insert(
                0,
                f"request: {candidate.method} {candidate.path_on_wire} -> "
                f"{canonical['method']} {canonical['path']}",
            )
        scored.append((len(lines), str(candidate.path), candidate, lines))
    scored.sort(key=lambda item: (item[0], item[1]))
    return [(candidate, lines) for _, _, candidate, lines in scored[:NEAREST]]


def explain_miss(
    recorder: LLMRecorder,
    nodeid: str,
    key: RequestKey,
    occurrence: int,
    recorded: int,
    candidates: list[Candidate],
    scrubber: Scrubber | None = None,
    record_command: str | None = None,
) -> str:
    """The miss message. It lands in CI logs, so ``scrubber`` (default: environment credentials and
    key shapes) takes out what the request carried, as it does for recordings. ``record_command``:
    what records the request (a vcr-marked test's); else ``rewrite`` when the scope has recordings
    (the request changed, and ``rewrite`` drops the file it replaces), ``record-missing`` when not."""
    scrubber = scrubber or Scrubber()
    candidates = [dataclasses.replace(c, body=scrubber.scrub_body(c.body, "request")) for c in candidates]
    canonical: dict[str, Any] = {
        **key.canonical,
        "body": scrubber.scrub_body(key.canonical.get("body"), "request"),
    }
    lines = _header(recorder, nodeid, key.digest, canonical, occurrence, recorded)
    lines += _nearest_lines(candidates, canonical)
    if record_command is not None:
        lines.append(f"  to record it:    {record_command}")
    elif candidates:  # a changed request: record-missing would leave the old file beside the new one
        lines.append(f"  to re-record it: pytest --llm-record=rewrite {shlex.quote(nodeid)}")
    else:
        lines.append(f"  to record it:    pytest --llm-record=record-missing {shlex.quote(nodeid)}")
    return scrubber.scrub_text("\n".join(lines))


def _header(
    recorder: LLMRecorder, nodeid: str, digest: str, canonical: dict[str, Any], occurrence: int, recorded: int
) -> list[str]:
    body = canonical.get("body")
    model = body.get("model") if isinstance(body, dict) else None
    body_text = repr(body)
    if len(body_text) > BODY_PREVIEW:
        body_text = body_text[:BODY_PREVIEW] + " ..."
    what = f"{canonical['method']} {canonical['path']}" + (f" (model {model!r})" if model else "")
    if occurrence > 1 and recorded:
        reason = f"this is call #{occurrence} of an identical request; {recorded} were recorded"
    else:
        reason = "no recording matches this request"
    config = recorder.config
    return [
        f"pytest-llmrec: {what}: {reason} (mode {config.mode.value!r}).",
        f"  test:            {nodeid}",
        f"  scope:           {config.scope}",
        f"  recordings dir:  {config.recordings_dir}",
        f"  looked for:      {digest}" + (f" (occurrence {occurrence})" if occurrence > 1 else ""),
        f"  request body:    {body_text}",
    ]


def _nearest_lines(candidates: list[Candidate], canonical: dict[str, Any]) -> list[str]:
    nearest = _nearest(candidates, canonical)
    lines = []
    if nearest:
        lines.append(f"  nearest recordings in this scope ({len(candidates)} in all), recorded -> live:")
    for candidate, diff in nearest:
        lines.append(f"    {candidate.path.name}:")
        shown = diff[:DIFF_LINES] or ["(same body: an earlier call already used this recording)"]
        if candidate.problem:
            shown = [candidate.problem, *diff[:DIFF_LINES]]
        lines += [f"      {line}" for line in shown]
        if len(diff) > DIFF_LINES:
            lines.append(f"      ... and {len(diff) - DIFF_LINES} more")
    return lines
