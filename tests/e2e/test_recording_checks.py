"""End-to-end: what replay checks in a recording: the SDK's types, the name against the content, the path."""

from __future__ import annotations

import json
import subprocess
import sys
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


def test_a_hand_edited_request_fails_the_replay_naming_the_file_and_the_fix(recorded):
    inner, path = recorded
    damage(path, lambda d: d["request"]["body"]["messages"][0].update(content="edited"))

    result = inner.run()

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            f"*RecordingFileError: {path}: request: the file's name no longer matches its content: *"
            f"rename it to its key with `llmrec check --fix {path}`, or delete it and record again"
        ]
    )


def test_a_prompt_edited_in_the_test_and_its_recording_replays_after_check_fix(recorded):
    inner, path = recorded
    damage(path, lambda d: d["request"]["body"]["messages"][0].update(content="hello"))
    damage(
        path,
        lambda d: d["response"]["body"]["__data__"]["choices"][0]["message"].update(content="Echo: hello"),
    )
    inner.pytester.makepyfile(test_chat=CHAT.replace('"hi"', '"hello"').replace("Echo: hi", "Echo: hello"))

    missed = inner.run()
    fixed = subprocess.run(
        [sys.executable, "-m", "pytest_llmrec.cli", "check", "--fix", str(path.parent)],
        capture_output=True,
        text=True,
        check=False,
    )
    replayed = inner.run()

    missed.assert_outcomes(failed=1)
    missed.stdout.fnmatch_lines(
        [f"    {path.name}:", "      request: the file's name no longer matches its content: *"]
    )
    assert fixed.returncode == 0 and "1 fixed" in fixed.stdout
    assert not path.exists() and len(list(path.parent.glob("*.json"))) == 1
    replayed.assert_outcomes(passed=1)


def test_a_dangling_symlink_at_a_recordings_path_fails_record_missing_naming_it(recorded):
    inner, path = recorded
    moved = path.with_name("moved.json.bak")
    path.rename(moved)
    path.symlink_to(path.with_name("gone.json"))

    result = inner.run("--llm-record=record-missing")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            f"*RecordingFileError: {path}: <file>: a symlink to {path.with_name('gone.json')}, which does not exist*"
        ]
    )
    assert path.is_symlink()  # not replaced by a new recording
