"""What the terminal summary says about a run: its totals, recordings unused, broken or deleted, the
drift verify found, and tests that went for the network without a recording."""

from __future__ import annotations

from pytest_llmrec.pricing.summary import cost_lines, tokens_text
from pytest_llmrec.session import SessionState

MAX_LISTED = 20


def summary_lines(state: SessionState, unused_action: str) -> list[str]:
    """Nothing for a run that sent, replayed, missed, deleted and found broken nothing, and in which no
    test went out unrecorded."""
    return _recording_lines(state, unused_action) + _drift_lines(state) + _reached_network_lines(state)


def _recording_lines(state: SessionState, unused_action: str) -> list[str]:
    totals, verdict = state.totals, state.verdict
    lines = []
    if totals.replayed or totals.sent or totals.deleted or totals.missed:
        line = (
            f"llmrec: {totals.replayed} replayed, {totals.sent} sent live, {totals.recorded} recorded, "
            f"{totals.files_written()} file(s) written"
        )
        if totals.verified:
            line += f", {totals.verified} verified live"
        if unchanged := len(set(totals.unchanged)):
            line += f", {unchanged} unchanged"
        if totals.deleted:
            line += f", {len(totals.deleted)} stale file(s) deleted"
        if totals.discarded:
            line += f", {totals.discarded} recording(s) of failed tests not saved"
        lines.append(line + "; " + tokens_text(totals.tokens_replayed, totals.tokens_live, state.cost.total))
        lines += cost_lines(state.cost.total, state.meter.budget)
        if unused_action != "warn" and (why := state.usage.why_not_checked()):
            lines.append(f"llmrec: unused recordings not checked (--llm-unused={unused_action}): {why}")
    missed = list(dict.fromkeys(totals.missed_tests))
    if missed:
        lines.append(
            f"llmrec: {len(missed)} test(s) have no recording for a request they sent: "
            "pytest --llm-record=record-missing records them (a test whose request changed: "
            "--llm-record=rewrite, as its miss says)"
        )
    if verdict.broken:
        lines.append(
            f"llmrec: {len(verdict.broken)} recording(s) could not be read, kept (fix or delete them):"
        )
        lines += [f"  {problem}" for _, problem in sorted(verdict.broken.items())]
    if totals.deleted:
        lines.append(f"llmrec: deleted {len(totals.deleted)} stale recording(s):")
        lines += [f"  {path}" for path in totals.deleted]
    if verdict.unused:
        lines.append(
            f"llmrec: {len(verdict.unused)} recording(s) no test used (--llm-unused=prune deletes them):"
        )
        lines += [f"  {path}" for path in verdict.unused[:MAX_LISTED]]
        if len(verdict.unused) > MAX_LISTED:
            lines.append(f"  ... and {len(verdict.unused) - MAX_LISTED} more")
    return lines


def _drift_lines(state: SessionState) -> list[str]:
    """Under verify: each test whose live answers differ in shape from its recordings, and how."""
    drifted = state.drift_by_test
    if not drifted:
        return []
    lines = [f"llmrec: {len(drifted)} test(s) drifted from their recordings (--llm-record=verify):"]
    for nodeid in sorted(drifted)[:MAX_LISTED]:
        lines.append(f"  {nodeid}")
        by_request: dict[str, list[str]] = {}
        for found in drifted[nodeid]:
            by_request.setdefault(found["request"], []).append(f"{found['kind']}: {found['path']}")
        lines += [f"    {request}: {'; '.join(kinds)}" for request, kinds in by_request.items()]
    if len(drifted) > MAX_LISTED:
        lines.append(f"  ... and {len(drifted) - MAX_LISTED} more (--llm-report lists them all)")
    return lines


def _reached_network_lines(state: SessionState) -> list[str]:
    """Tests without a recording that tried to connect past loopback (each listed once, the first 20)."""
    tests = list(dict.fromkeys(state.totals.reached_network))
    if not tests:
        return []
    listed = ", ".join(tests[:MAX_LISTED]) + (
        f" and {len(tests) - MAX_LISTED} more" if len(tests) > MAX_LISTED else ""
    )
    return [
        f"llmrec: {len(tests)} test(s) tried to reach the network without a recording: {listed} "
        "(--llm-block-network stops them)"
    ]
