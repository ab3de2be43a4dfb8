"""What the terminal summary says about a run: its totals, and the recordings no test used."""

from __future__ import annotations

from pytest_llmrec.session import SessionState

MAX_LISTED = 20


def summary_lines(state: SessionState, unused_action: str) -> list[str]:
    """Nothing for a run that sent and replayed nothing, and in which no test went out unrecorded."""
    return _recording_lines(state, unused_action) + _reached_network_lines(state)


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


def _recording_lines(state: SessionState, unused_action: str) -> list[str]:
    totals = state.totals
    if not (totals.replayed or totals.sent):
        return []
    line = (
        f"llmrec: {totals.replayed} replayed, {totals.sent} sent live, {totals.recorded} recorded, "
        f"{len(totals.written)} file(s) written"
    )
    if totals.deleted:
        line += f", {len(totals.deleted)} stale file(s) deleted"
    if totals.discarded:
        line += f", {totals.discarded} recording(s) of failed tests not saved"
    lines = [line + f"; tokens: {totals.tokens_replayed} replayed, {totals.tokens_live} spent live"]
    usage, unresolved = state.usage, state.usage.unresolved()
    why = None
    if usage.narrowed:
        why = f"the run collected part of the suite ({usage.narrowed})"
    elif unresolved:
        why = f"{len(unresolved)} test(s) with recordings did not run (deselected, skipped or interrupted)"
    if unused_action != "warn" and why:
        lines.append(f"llmrec: unused recordings not checked (--llm-unused={unused_action}): {why}")
    if state.unused and unused_action != "prune":
        lines.append(
            f"llmrec: {len(state.unused)} recording(s) no test used (--llm-unused=prune deletes them):"
        )
        lines += [f"  {path}" for path in state.unused[:MAX_LISTED]]
        if len(state.unused) > MAX_LISTED:
            lines.append(f"  ... and {len(state.unused) - MAX_LISTED} more")
    return lines
