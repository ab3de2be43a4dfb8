"""Dollars end to end: the summary and --llm-report price what replay saved and live calls spent, name
models with no price, and --llm-budget stops a run's live requests before they are sent."""

from __future__ import annotations

import json
import textwrap

import pytest

# Six tests, one chat request each. The server counts words: "question n" is 2 prompt tokens and
# "Echo: question n" 3 completion tokens, and it answers with the model the request named.
SIX = textwrap.dedent(
    """
    import os
    import pytest
    try:
        import httpx2 as httpx
    except ImportError:
        import httpx

    MODEL = os.environ.get("LLMREC_TEST_MODEL", "gpt-4o-2024-08-06")

    @pytest.mark.llm_recording
    @pytest.mark.parametrize("n", range(6))
    def test_ask(n):
        response = httpx.post(os.environ["LLMREC_TEST_BASE_URL"] + "/chat/completions",
                              json={"model": MODEL, "messages": [{"role": "user", "content": f"question {n}"}]})
        assert response.json()["choices"][0]["message"]["content"] == f"Echo: question {n}"
    """
)
# gpt-4o's list price, $2.50 in and $10 out per million tokens: 2 * 2.5 + 3 * 10 = 35 millionths a call.
GPT_4O_CALL = 35e-6


def report(inner, name):
    return json.loads((inner.pytester.path / "out" / name).read_text())


@pytest.mark.parametrize("workers", [[], ["-n", "2"]])
def test_the_summary_and_report_price_a_snapshot_by_its_models_list_price(inner, openai_server, workers):
    inner.pytester.makepyfile(test_six=SIX)

    recorded = inner.run(*workers, "--llm-record=record-missing", "--llm-report=out/live.json")

    recorded.assert_outcomes(passed=6)
    assert "; tokens: 0 replayed, 30 spent live ($0.00021)" in recorded.stdout.str()
    assert "no price for" not in recorded.stdout.str()
    cost = report(inner, "live.json")["cost"]
    assert cost["spent"] == pytest.approx(6 * GPT_4O_CALL) and cost["saved"] == 0
    assert cost["prices_checked"] == "2025-10-15"
    assert {nodeid: test["spent"] for nodeid, test in cost["tests"].items()} == {
        f"test_six.py::test_ask[{n}]": pytest.approx(GPT_4O_CALL) for n in range(6)
    }

    openai_server.stop()
    replayed = inner.run(*workers, "--llm-report=out/replay.json")

    replayed.assert_outcomes(passed=6)
    assert (
        "llmrec: 6 replayed, 0 sent live, 0 recorded, 0 file(s) written; "
        "tokens: 30 replayed ($0.00021 saved), 0 spent live"
    ) in replayed.stdout.lines
    cost = report(inner, "replay.json")["cost"]
    assert (cost["saved"], cost["spent"], cost["no_price"]) == (pytest.approx(6 * GPT_4O_CALL), 0, {})
    assert cost["tests"]["test_six.py::test_ask[3]"] == {
        "saved": pytest.approx(GPT_4O_CALL),
        "spent": 0,
        "no_price": {},
        "refused": 0,
    }


def test_a_model_with_no_price_is_named_with_its_tokens_and_never_priced(inner, openai_server, monkeypatch):
    monkeypatch.setenv("LLMREC_TEST_MODEL", "my-model")
    inner.pytester.makepyfile(test_six=SIX)

    result = inner.run("--llm-record=record-missing", "--llm-report=out/report.json")

    result.assert_outcomes(passed=6)
    assert (  # no dollars beside the tokens
        "llmrec: 0 replayed, 6 sent live, 6 recorded, 6 file(s) written; tokens: 0 replayed, 30 spent live"
        in result.stdout.lines
    )
    assert "llmrec: no price for: my-model (30 tokens); give one with the ini option llm_prices" in (
        result.stdout.lines
    )
    cost = report(inner, "report.json")["cost"]
    assert (cost["saved"], cost["spent"], cost["no_price"]) == (0, 0, {"my-model": 30})
    assert cost["tests"]["test_six.py::test_ask[0]"]["no_price"] == {"my-model": 5}


def test_prices_in_the_ini_file_replace_and_add_to_the_packaged_ones(inner, openai_server, monkeypatch):
    monkeypatch.setenv("LLMREC_TEST_MODEL", "my-model")
    inner.pytester.makeini(
        "[pytest]\nllm_prices =\n    # ours, per million tokens\n    my-model = 1000 $2000\n"
    )
    inner.pytester.makepyfile(test_six=SIX)

    result = inner.run("--llm-record=record-missing")

    result.assert_outcomes(passed=6)
    # 2 * $1000 + 3 * $2000 per million tokens: $0.008 a call.
    assert "tokens: 0 replayed, 30 spent live ($0.0480)" in result.stdout.str()
    assert "no price for" not in result.stdout.str()


def test_a_bad_price_line_stops_the_run_naming_the_line(inner):
    inner.pytester.makeini("[pytest]\nllm_prices =\n    gpt-4o = 2.5 ten\n")
    inner.pytester.makepyfile(test_six=SIX)

    result = inner.run()

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert (
        "ERROR: ini option llm_prices: 'gpt-4o = 2.5 ten': prices must be dollars (0 or more); "
        "write MODEL = INPUT OUTPUT [CACHED_INPUT] (dollars per million tokens)"
    ) in result.stderr.lines


BUDGET_INI = "[pytest]\nllm_prices = my-model = 1000 2000\n"  # $0.008 a call


def test_a_run_past_its_budget_sends_no_further_request(inner, openai_server, monkeypatch):
    monkeypatch.setenv("LLMREC_TEST_MODEL", "my-model")
    inner.pytester.makeini(BUDGET_INI)
    inner.pytester.makepyfile(test_six=SIX)

    result = inner.run("--llm-record=record-missing", "--llm-budget=0.02", "--llm-report=out/report.json")

    # $0.008, $0.016, $0.024: the third call passes the budget, so the fourth is never sent.
    result.assert_outcomes(passed=3, failed=3)
    assert len(openai_server.requests) == 3
    assert (
        "BudgetExceededError: pytest-llmrec: the run has spent $0.0240 live, past its budget of $0.02 "
        "(--llm-budget), so this request was not sent: "
        f"POST {openai_server.base_url}/chat/completions. Replay it from a recording, or raise the "
        "budget (--llm-budget=DOLLARS, ini llm_budget)"
    ) in result.stdout.lines
    assert "tokens: 0 replayed, 15 spent live ($0.0240)" in result.stdout.str()
    assert (
        "llmrec: 3 live request(s) not sent: the run's live spend passed its budget (--llm-budget=0.02)"
        in result.stdout.lines
    )
    assert report(inner, "report.json")["cost"]["tests"]["test_six.py::test_ask[4]"]["refused"] == 1
    assert len(inner.recordings()) == 3  # what was spent is recorded: the next run replays it for free

    again = inner.run("--llm-record=record-missing", "--llm-budget=0.02")

    again.assert_outcomes(passed=6)  # 3 replayed, then 3 sent: this run's own spend starts at $0
    assert len(openai_server.requests) == 6


def test_the_budget_comes_from_the_ini_file_and_replay_never_meets_it(inner, openai_server, monkeypatch):
    monkeypatch.setenv("LLMREC_TEST_MODEL", "my-model")
    inner.pytester.makeini(BUDGET_INI + "llm_budget = 0\n")
    inner.pytester.makepyfile(test_six=SIX)

    result = inner.run("--llm-record=record-missing")

    result.assert_outcomes(passed=1, failed=5)  # $0 is passed by the first call that costs anything
    assert len(openai_server.requests) == 1
    assert "past its budget of $0 (--llm-budget)" in result.stdout.str()
    assert inner.run("-k", "test_ask and 0").ret == pytest.ExitCode.OK  # replay spends nothing


def test_workers_share_the_runs_spend_against_the_budget(inner, openai_server, monkeypatch):
    pytest.importorskip("xdist")
    monkeypatch.setenv("LLMREC_TEST_MODEL", "my-model")
    inner.pytester.makeini(BUDGET_INI)
    inner.pytester.makepyfile(test_six=SIX.replace("range(6)", "range(12)"))

    result = inner.run("-n", "2", "--llm-record=record-missing", "--llm-budget=0.02")

    # Each worker alone would spend past $0.02 only at its third call (6 requests in all); sharing,
    # the run stops after its third, give or take a request in flight on the other worker.
    sent = len(openai_server.requests)
    assert 3 <= sent <= 4
    result.assert_outcomes(passed=sent, failed=12 - sent)
    assert "BudgetExceededError: pytest-llmrec: the run has spent $0.0" in result.stdout.str()
    assert f"llmrec: {12 - sent} live request(s) not sent: the run's live spend passed" in result.stdout.str()


def test_an_invalid_budget_is_a_usage_error(inner):
    inner.pytester.makepyfile(test_six=SIX)

    result = inner.run("--llm-budget=five")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert (
        "ERROR: --llm-budget must be a number of dollars (0 or more), such as 5 or 0.5, not 'five'"
        in result.stderr.lines
    )


def test_verify_spends_live_and_is_held_to_the_budget(inner, openai_server, monkeypatch):
    monkeypatch.setenv("LLMREC_TEST_MODEL", "my-model")
    inner.pytester.makeini(BUDGET_INI)
    inner.pytester.makepyfile(test_six=SIX)
    inner.run("--llm-record=record-missing").assert_outcomes(passed=6)
    openai_server.reset()

    result = inner.run("--llm-record=verify", "--llm-budget=0.02")

    result.assert_outcomes(passed=3, failed=3)  # each answered from its recording and also asked live
    assert len(openai_server.requests) == 3
    assert "tokens: 15 replayed ($0.0240 saved), 15 spent live ($0.0240)" in result.stdout.str()
    assert "BudgetExceededError: pytest-llmrec: the run has spent $0.0240 live" in result.stdout.str()


ANTHROPIC = textwrap.dedent(
    """
    import os
    import anthropic
    import pytest

    MODEL = "claude-3-5-haiku-20241022"
    HELLO = [{"role": "user", "content": "Hello Claude"}]

    def client():
        return anthropic.Anthropic(base_url=os.environ["LLMREC_TEST_BASE_URL"], max_retries=0)

    @pytest.mark.llm_recording
    def test_create():
        assert client().messages.create(model=MODEL, max_tokens=64, messages=HELLO).content[0].text

    @pytest.mark.llm_recording
    def test_stream():
        with client().messages.stream(model=MODEL, max_tokens=64, messages=HELLO) as stream:
            assert "".join(stream.text_stream) == "Echo: Hello Claude"
    """
)


def test_anthropic_messages_and_streams_are_priced_by_the_snapshot_they_name(pytester, monkeypatch):
    pytest.importorskip("anthropic")
    from fakes.anthropic_server import AnthropicServer
    from fakes.inner_suite import InnerSuite

    monkeypatch.setenv("ANTHROPIC_API_KEY", "llmrec-" + "fake-anthropic-key" * 2)
    with AnthropicServer() as server:
        suite = InnerSuite(pytester, monkeypatch, server.base_url)
        pytester.makepyfile(test_claude=ANTHROPIC)
        recorded = suite.run("--llm-record=record-missing")
    recorded.assert_outcomes(passed=2)
    # "Hello Claude" in, "Echo: Hello Claude" out, at claude-3-5-haiku's $0.80 and $4 per million: 2 calls.
    assert "tokens: 0 replayed, 10 spent live ($0.000027)" in recorded.stdout.str()
    replayed = suite.run()
    replayed.assert_outcomes(passed=2)
    assert "tokens: 10 replayed ($0.000027 saved), 0 spent live" in replayed.stdout.str()
