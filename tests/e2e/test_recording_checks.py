"""End-to-end: a recorded body the installed SDK's types reject warns, or fails with --llm-strict."""

from __future__ import annotations

import json
import textwrap

import pytest

CHAT = textwrap.dedent(
    """
    import os
    import openai, pytest

    @pytest.mark.llm_recording
    def test_chat():
        c = openai.OpenAI(base_url=os.environ["LLMREC_TEST_BASE_URL"], api_key="sk-test", max_retries=0)
        answer = c.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
        assert answer.choices[0].message.content == "Echo: hi"
    """
)
TYPE = "openai.types.chat.chat_completion.ChatCompletion"


@pytest.fixture
def recorded(inner, openai_server):
    """The chat test, recorded once; the live server is stopped, so only the recording can answer."""
    inner.pytester.makepyfile(test_chat=CHAT)
    inner.run("--llm-record=record-missing").assert_outcomes(passed=1)
    openai_server.stop()
    (path,) = (inner.pytester.path / "recordings").rglob("*.json")
    return inner, path


def damage(path, change) -> None:
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


def test_a_body_the_sdk_rejects_warns_and_replays_as_recorded_or_with_strict_fails(recorded):
    inner, path = recorded
    damage(path, lambda d: d["response"]["body"]["__data__"].pop("created"))
    problem = (
        f"{path}: response.body.__data__: the installed SDK's {TYPE} rejects it: created: Field required"
    )

    warned = inner.run("-W", "always::pytest_llmrec.RecordingWarning")
    strict = inner.run("--llm-strict")

    warned.assert_outcomes(passed=1)
    warned.stdout.fnmatch_lines([f"*RecordingWarning: {problem}; replayed as recorded"])
    strict.assert_outcomes(failed=1)
    strict.stdout.fnmatch_lines([f"*RecordingFileError: {problem} (--llm-strict)"])
