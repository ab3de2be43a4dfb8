"""The whole run: totals under pytest-xdist, parallel recording, and failed tests' recordings."""

from __future__ import annotations

import json
import textwrap

import pytest

pytest.importorskip("xdist")

MANY = textwrap.dedent(
    """
    import os
    import pytest
    try:
        import httpx2 as httpx
    except ImportError:
        import httpx

    @pytest.mark.llm_recording
    @pytest.mark.parametrize("n", range(200))
    def test_many(n):
        response = httpx.post(os.environ["LLMREC_TEST_BASE_URL"] + "/chat/completions",
                              json={"model": "m", "messages": [{"role": "user", "content": f"question {n}"}]})
        assert response.json()["choices"][0]["message"]["content"] == f"Echo: question {n}"
    """
)


def test_four_workers_record_every_recording_exactly_once_and_the_controller_counts_them(
    inner, openai_server
):
    inner.pytester.makepyfile(test_many=MANY)

    recorded = inner.run("-n", "4", "--llm-record=record-missing")

    recorded.assert_outcomes(passed=200)
    assert "llmrec: 0 replayed, 200 sent live, 200 recorded, 200 file(s) written" in recorded.stdout.str()
    files = inner.recordings()
    assert len(files) == 200 == len(openai_server.requests)
    bodies = [json.loads(data)["response"]["body"]["__data__"] for data in files.values()]
    answers = {body["choices"][0]["message"]["content"] for body in bodies}
    assert answers == {f"Echo: question {n}" for n in range(200)}
    assert not list((inner.pytester.path / "recordings").rglob("*.tmp"))

    openai_server.stop()
    replayed = inner.run("-n", "2")
    replayed.assert_outcomes(passed=200)
    assert "llmrec: 200 replayed, 0 sent live, 0 recorded, 0 file(s) written" in replayed.stdout.str()


FLAKY = textwrap.dedent(
    """
    import os
    import pytest
    try:
        import httpx2 as httpx
    except ImportError:
        import httpx

    @pytest.mark.llm_recording
    def test_fails_after_a_call():
        httpx.post(os.environ["LLMREC_TEST_BASE_URL"] + "/chat/completions", json={"model": "m", "messages": []})
        assert False, "the application misbehaved"
    """
)


@pytest.mark.parametrize(("setting", "saved"), [("", 1), ("--llm-record-on-failure=no", 0), ("ini:no", 0)])
def test_a_failed_tests_recordings_are_kept_unless_told_otherwise(inner, openai_server, setting, saved):
    inner.pytester.makepyfile(test_flaky=FLAKY)
    args = ["--llm-record=record-missing"]
    if setting.startswith("ini:"):
        inner.pytester.makeini(f"[pytest]\nllm_record_on_failure = {setting[4:]}\n")
    elif setting:
        args.append(setting)

    result = inner.run(*args)

    result.assert_outcomes(failed=1)
    assert len(inner.recordings() if (inner.pytester.path / "recordings").exists() else {}) == saved
    if not saved:
        assert "1 recording(s) of failed tests not saved" in result.stdout.str()


def test_the_report_counts_requests_and_tokens_alike_with_and_without_workers(inner, openai_server):
    inner.pytester.makepyfile(test_many=MANY.replace("range(200)", "range(6)"))
    recorded = inner.run("--llm-record=record-missing", "--llm-report=out/report.json")
    recorded.assert_outcomes(passed=6)
    # The server counts words: "question n" is 2 prompt tokens, "Echo: question n" 3 completion tokens.
    assert "tokens: 0 replayed, 30 spent live" in recorded.stdout.str()
    live = json.loads((inner.pytester.path / "out" / "report.json").read_text())
    assert (live["sent"], live["recorded"], live["tokens"], len(live["written"])) == (
        6,
        6,
        {"live": 30, "replayed": 0},
        6,
    )

    replayed = inner.run("-n", "2", "--llm-report=out/replay.json")

    replayed.assert_outcomes(passed=6)
    report = json.loads((inner.pytester.path / "out" / "replay.json").read_text())
    assert (report["replayed"], report["sent"], report["missed"], report["tokens"]) == (
        6,
        0,
        0,
        {"live": 0, "replayed": 30},
    )
    assert (
        "llmrec: 6 replayed, 0 sent live, 0 recorded, 0 file(s) written; tokens: 30 replayed, 0 spent live"
        in (replayed.stdout.str())
    )
