"""Recordings no test used: listed, failed on or pruned, but only after a run that used their whole store."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

TWO_TESTS = textwrap.dedent(
    """
    import os
    import pytest
    try:
        import httpx2 as httpx
    except ImportError:
        import httpx

    def ask(text):
        httpx.post(os.environ["LLMREC_TEST_BASE_URL"] + "/chat/completions",
                   json={"model": "m", "messages": [{"role": "user", "content": text}]})

    @pytest.mark.llm_recording
    def test_one():
        ask("one")
        if os.environ.get("ALSO_ASK"):
            ask("an older question")

    @pytest.mark.llm_recording
    def test_two():
        ask("two")
    """
)


@pytest.fixture
def stale(inner, openai_server, monkeypatch):
    """Three recordings, of which the suite as it now is uses two."""
    inner.pytester.makepyfile(test_two=TWO_TESTS)
    monkeypatch.setenv("ALSO_ASK", "1")
    inner.run("--llm-record=record-missing").assert_outcomes(passed=2)
    monkeypatch.delenv("ALSO_ASK")
    before = set(inner.recordings())
    assert len(before) == 3
    return inner


def unused_lines(result: pytest.RunResult) -> list[str]:
    lines = result.outlines
    start = next((i for i, line in enumerate(lines) if "recording(s) no test used" in line), None)
    return [] if start is None else [line.strip() for line in lines[start + 1 :] if line.startswith("  ")]


def test_a_full_run_lists_what_no_test_used(stale):
    result = stale.run()
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["llmrec: 1 recording(s) no test used (--llm-unused=prune deletes them):"])
    (listed,) = unused_lines(result)
    assert "test_two/test_one/" in listed
    assert "an older question" in Path(listed).read_text()


@pytest.mark.parametrize("narrowed", [["-k", "test_one"], ["--deselect", "test_two.py::test_two"]])
def test_a_narrowed_run_lists_nothing(stale, narrowed):
    result = stale.run(*narrowed)
    assert unused_lines(result) == []
    assert "no test used" not in result.stdout.str()


def test_fail_makes_the_run_fail_and_prune_deletes(stale):
    failed = stale.run("--llm-unused=fail")
    failed.assert_outcomes(passed=2)
    assert failed.ret == pytest.ExitCode.TESTS_FAILED

    pruned = stale.run("--llm-unused=prune")

    assert pruned.ret == pytest.ExitCode.OK
    assert "1 stale file(s) deleted" in pruned.stdout.str()
    assert len(stale.recordings()) == 2
    assert stale.run().ret == pytest.ExitCode.OK  # the suite still replays


def test_workers_agree_on_what_is_unused(stale):
    pytest.importorskip("xdist")
    result = stale.run("-n", "2")
    result.assert_outcomes(passed=2)
    assert len(unused_lines(result)) == 1
