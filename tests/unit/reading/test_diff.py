"""Two recordings compared by meaning: request fields, status, answer text, shape, usage."""

from __future__ import annotations

import json
from pathlib import Path

from pytest_llmrec.reading.diff import Difference, compare
from pytest_llmrec.storage import recording

ZOO = Path(__file__).parents[2] / "data" / "recordings_zoo"


def _read(name: str, change=None) -> recording.Recording:
    document = json.loads((ZOO / f"{name}.json").read_text())
    if change is not None:
        change(document)
    return recording.from_document(document, ZOO / f"{name}.json")


def test_a_recording_and_itself_do_not_differ():
    assert compare(_read("anthropic_stream"), _read("anthropic_stream")) == []


def test_a_rerecord_with_other_words_differs_in_text_and_usage_but_not_in_shape():
    def reword(document):
        for event in document["response"]["body"]:
            data = event.get("__data__", {})
            if data.get("type") == "content_block_delta":
                data["delta"]["text"] = data["delta"]["text"].replace("Echo", "Reply")
            if data.get("type") == "message_delta":
                data["usage"]["output_tokens"] = 4

    found = compare(_read("anthropic_stream"), _read("anthropic_stream", reword))
    assert found == [
        Difference("answer", "text", "-Echo: Hello Claude\n+Reply: Hello Claude"),
        Difference("usage", "output tokens", "3 -> 4"),
        Difference("usage", "total tokens", "5 -> 6"),
    ]


def test_a_new_field_a_new_model_and_a_changed_prompt_are_named():
    def drift(document):
        document["request"]["body"]["messages"][0]["content"] = "Hi Claude"
        for event in document["response"]["body"]:
            data = event.get("__data__", {})
            if data.get("type") == "message_start":
                data["message"]["model"] = "claude-opus-5"
                data["message"]["container"] = None

    found = compare(_read("anthropic_stream"), _read("anthropic_stream", drift))
    assert Difference("request", "body.messages[0].content", "'Hello Claude' -> 'Hi Claude'") in found
    assert Difference("answer", "model", "'claude-sonnet-4-6' -> 'claude-opus-5'") in found
    assert Difference("shape", "[].message.container", "new field: null") in found


def test_a_status_and_a_format_that_changed():
    found = compare(_read("anthropic_stream"), _read("anthropic_rate_limited"))
    assert Difference("status", "status", "200 -> 429") in found
    assert Difference("shape", "format", "sse -> json") in found
