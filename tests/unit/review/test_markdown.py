"""The review's Markdown: fences no answer can close, one entry per group, paths from the root."""

from __future__ import annotations

from pathlib import Path

from pytest_llmrec.review.changes import Change
from pytest_llmrec.review.markdown import render


def test_an_answer_holding_a_fence_gets_a_longer_one_and_other_changes_are_listed() -> None:
    root = Path("/project")
    text = Change(
        "/project/recordings/b.json",
        ["text"],
        "/v1/chat/completions",
        "m",
        old_text="a\n```\nb",
        new_text="c",
    )
    other = Change(
        "/project/recordings/a.json",
        ["other"],
        "/v1/chat/completions",
        "m",
        [{"section": "request", "path": "body.user", "detail": "'x' -> 'y'"}],
    )
    assert render([text, other], root, "--llm-record=rewrite") == "\n".join(
        [
            "# Recordings review",
            "",
            "2 recording(s) changed (--llm-record=rewrite): 1 answer text changed, 1 other changes.",
            "",
            "## Answer text changed (1)",
            "",
            "### `recordings/b.json`",
            "",
            "Old:",
            "",
            "````text",
            "a",
            "```",
            "b",
            "````",
            "",
            "New:",
            "",
            "```text",
            "c",
            "```",
            "",
            "## Other changes (1)",
            "",
            "- `recordings/a.json`",
            "  - `body.user`: 'x' -> 'y'",
            "",
        ]
    )
