"""Secrets never reach disk through a whole pytest run: keys planted in headers, queries, prompts and answers."""

from __future__ import annotations

import textwrap

PLANTED = "sk-" + "proj-PLANTEDabcdefghijklmnopqrstuvwxyz0123456789"  # in two, so no file holds a key

CHAT = textwrap.dedent(
    """
    import os
    import openai, pytest

    @pytest.mark.llm_recording
    def test_chat():
        client = openai.OpenAI(base_url=os.environ["LLMREC_TEST_BASE_URL"], max_retries=0,
                               default_query={"key": os.environ["OPENAI_API_KEY"]})
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": os.environ["PROMPT"]}])
    """
)


def test_planted_keys_in_header_query_body_and_response_never_reach_disk(inner, openai_server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", PLANTED)
    monkeypatch.setenv("PROMPT", f"repeat {PLANTED}")  # the server echoes it back in its answer
    inner.pytester.makepyfile(test_chat=CHAT)

    inner.run("--llm-record=record-missing").assert_outcomes(passed=1)

    sent = openai_server.requests[0]
    assert sent.headers["authorization"] == f"Bearer {PLANTED}" and PLANTED in sent.path  # it was sent...
    (text,) = (data.decode() for data in inner.recordings().values())
    assert PLANTED not in text  # ...and is nowhere on disk
    assert "repeat <OPENAI_API_KEY>" in text and "Echo: repeat <OPENAI_API_KEY>" in text


def test_a_recording_holding_an_unknown_key_fails_the_test_and_is_not_written(
    inner, openai_server, monkeypatch
):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("PROMPT", "AK" + "IAABCDEFGHIJKLMNOP")
    inner.pytester.makepyfile(test_chat=CHAT)

    result = inner.run("--llm-record=record-missing")

    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*SecretInRecordingError: *.json: not written: request.body.messages[[]0[]].content holds what "
            "looks like an AWS access key id*"
        ]
    )
    assert not (inner.pytester.path / "recordings").exists() or not inner.recordings()


def test_the_marker_adds_scrub_paths(inner, openai_server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("PROMPT", "hello")
    inner.pytester.makepyfile(
        test_chat=CHAT.replace(
            "@pytest.mark.llm_recording", '@pytest.mark.llm_recording(scrub="user")'
        ).replace('os.environ["PROMPT"]}])', 'os.environ["PROMPT"]}], user="alice@example.com")')
    )
    inner.run("--llm-record=record-missing").assert_outcomes(passed=1)
    (text,) = (data.decode() for data in inner.recordings().values())
    assert "alice@example.com" not in text and '"user": "<scrubbed>"' in text
    assert openai_server.requests[0].json["user"] == "alice@example.com"  # the server still got it
