"""End-to-end: --llm-record=verify replays each request and also asks the loopback server live, comparing
the two answers by shape; the server is taught to change (a new field, another model) on demand."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from fakes.inner_suite import InnerSuite
from fakes.llm_server import OpenAICompatibleServer

SUITE = textwrap.dedent(
    """
    import asyncio, json, os, pathlib
    import openai, pytest, requests

    BASE = os.environ["LLMREC_TEST_BASE_URL"]
    SUN = [{"role": "user", "content": "What's the name of the Sun in latin?"}]

    def save(name, value):
        out = pathlib.Path(os.environ["LLMREC_TEST_OUT"])
        out.mkdir(exist_ok=True)
        (out / f"{name}.json").write_text(json.dumps(value))

    def client():
        return openai.OpenAI(base_url=BASE, api_key="llmrec-fake-key-for-verify", max_retries=0)

    @pytest.mark.llm_recording
    def test_plain():
        answer = client().chat.completions.create(model="gpt-4o-mini", messages=SUN)
        save("plain", answer.model_dump())

    @pytest.mark.llm_recording
    def test_stream():
        chunks = client().chat.completions.create(model="gpt-4o-mini", messages=SUN, stream=True)
        save("stream", [chunk.model_dump() for chunk in chunks])

    @pytest.mark.llm_recording
    def test_async():
        async def main():
            async with openai.AsyncOpenAI(base_url=BASE, api_key="llmrec-fake-key-for-verify") as c:
                return await c.chat.completions.create(model="gpt-4o-mini", messages=SUN)
        save("async", asyncio.run(main()).model_dump())

    @pytest.mark.llm_recording
    def test_requests():
        answer = requests.post(f"{BASE}/chat/completions", json={"model": "gpt-4o-mini", "messages": SUN})
        save("requests", answer.json())
    """
)
TESTS = 4


@pytest.fixture
def recorded(inner: InnerSuite, openai_server: OpenAICompatibleServer) -> dict[Path, bytes]:
    """The suite recorded from the unchanged server: every file and its bytes."""
    inner.pytester.makepyfile(test_chat=SUITE)
    inner.run("--llm-record=record-missing").assert_outcomes(passed=TESTS)
    openai_server.reset()
    return _files(inner)


def _files(inner: InnerSuite) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in sorted((inner.pytester.path / "recordings").rglob("*.json"))}


def _saved(inner: InnerSuite) -> dict[str, object]:
    return {path.stem: json.loads(path.read_text()) for path in inner.out.glob("*.json")}


def test_verify_passes_against_an_unchanged_server_and_writes_nothing(
    inner: InnerSuite, openai_server: OpenAICompatibleServer, recorded: dict[Path, bytes]
) -> None:
    inner.run("--llm-record=replay")
    replayed = _saved(inner)

    result = inner.run("--llm-record=verify")

    result.assert_outcomes(passed=TESTS)
    assert len(openai_server.requests) == TESTS  # each request went live once as well
    result.stdout.fnmatch_lines(
        ["llmrec: 4 replayed, 4 sent live, 0 recorded, 0 file(s) written, 4 verified live*"]
    )
    assert "drifted" not in result.stdout.str()
    assert _files(inner) == recorded
    verified = _saved(inner)
    assert {k: v for k, v in verified.items() if k != "requests"} == {
        k: v for k, v in replayed.items() if k != "requests"
    }  # the SDK clients got the recording, not the live answer


def test_verify_fails_a_test_whose_provider_added_a_field_and_answers_with_another_model(
    inner: InnerSuite, openai_server: OpenAICompatibleServer, recorded: dict[Path, bytes]
) -> None:
    openai_server.new_fields = {"service_tier": "default"}
    openai_server.answering_model = "gpt-4o-mini-2025-04-14"

    result = inner.run("--llm-record=verify")

    result.assert_outcomes(failed=TESTS)
    out = result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*pytest-llmrec: 1 recording(s) no longer match the provider's answer in shape:",
            "*  POST http://127.0.0.1:*/v1/chat/completions, recorded in recordings/test_chat/test_plain/*.json:",
            "*    different model: model (recorded gpt-4o-mini, answered by gpt-4o-mini-2025-04-14)",
            "*    new field: service_tier (string)",
            "*  to re-record: pytest --llm-record=rewrite test_chat.py::test_plain",
        ]
    )
    assert "new field: [].service_tier (string)" in out  # the stream's events, by path
    result.stdout.fnmatch_lines(
        [
            "llmrec: 4 test(s) drifted from their recordings (--llm-record=verify):",
            "  test_chat.py::test_async",
            "    POST http://127.0.0.1:*/v1/chat/completions: different model: model; new field: service_tier",
        ]
    )
    assert _files(inner) == recorded  # nothing written, nothing deleted
    assert _saved(inner)["plain"]["model"] == "gpt-4o-mini"  # the test still saw the recording


def test_new_fields_alone_pass_when_allowed_and_are_still_listed(
    inner: InnerSuite, openai_server: OpenAICompatibleServer, recorded: dict[Path, bytes], tmp_path: Path
) -> None:
    openai_server.new_fields = {"service_tier": "default"}

    failing = inner.run("--llm-record=verify", "-k", "test_plain")
    failing.assert_outcomes(failed=1)
    failing.stdout.fnmatch_lines(["*(new fields alone pass with --llm-verify-allow=new-fields)"])

    report = tmp_path / "report.json"
    allowed = inner.run("--llm-record=verify", "--llm-verify-allow=new-fields", f"--llm-report={report}")

    allowed.assert_outcomes(passed=TESTS)
    allowed.stdout.fnmatch_lines(["llmrec: 4 test(s) drifted from their recordings (--llm-record=verify):"])
    drift = json.loads(report.read_text())["drift"]
    assert sorted(drift) == [
        f"test_chat.py::test_{name}" for name in ("async", "plain", "requests", "stream")
    ]
    (plain,) = drift["test_chat.py::test_plain"]
    assert plain["kind"] == "new field" and plain["path"] == "service_tier" and plain["detail"] == "string"
    assert plain["request"].startswith("POST http://127.0.0.1:") and plain["recording"].endswith(".json")


def test_a_server_that_does_not_answer_is_drift_and_a_missing_recording_a_miss(
    inner: InnerSuite, openai_server: OpenAICompatibleServer, recorded: dict[Path, bytes]
) -> None:
    openai_server.stop()

    down = inner.run("--llm-record=verify", "-k", "test_plain or test_requests")

    down.assert_outcomes(failed=2)
    down.stdout.fnmatch_lines(["*    no live response: response (ConnectError: *"])
    assert _files(inner) == recorded

    for path in (inner.pytester.path / "recordings" / "test_chat" / "test_stream").glob("*.json"):
        path.unlink()
    missing = inner.run("--llm-record=verify", "-k", "test_stream")
    missing.assert_outcomes(failed=1)
    missing.stdout.fnmatch_lines(["*RecordingMissError: *no recording*"])


def test_verify_across_xdist_workers_lists_the_drift_of_every_test(
    inner: InnerSuite, openai_server: OpenAICompatibleServer, recorded: dict[Path, bytes]
) -> None:
    openai_server.answering_model = "gpt-4o-mini-2025-04-14"

    result = inner.run("--llm-record=verify", "-n", "2")

    result.assert_outcomes(failed=TESTS)
    result.stdout.fnmatch_lines(["llmrec: 4 test(s) drifted from their recordings (--llm-record=verify):"])
    assert result.stdout.str().count(": different model: model") >= TESTS


def test_an_unknown_kind_to_allow_is_a_usage_error(inner: InnerSuite, recorded: dict[Path, bytes]) -> None:
    result = inner.run("--llm-record=verify", "--llm-verify-allow=new-field")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*unknown kind 'new-field'; valid: new-fields (did you mean 'new-fields'?)*"]
    )
