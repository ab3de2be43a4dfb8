"""Typed payloads against the installed SDK's classes (openai is installed for the tests)."""

from __future__ import annotations

from pathlib import Path

import orjson

from pytest_llmrec.storage import recording, sdk_check

EXAMPLES = (
    Path(__file__).resolve().parents[3] / "example_suite" / "recordings" / "openai" / "test_study_assistant"
)
STREAM = (
    EXAMPLES
    / "test_streams_the_answer_in_pieces"
    / ("fdb8386f9e4f61d6c11ce51c91a99209d55db6b3898f29878a546ebc7ceefd82.json")
)
CHUNK = "openai.types.chat.chat_completion_chunk.ChatCompletionChunk"


def read(change=None) -> recording.Recording:
    document = orjson.loads(STREAM.read_bytes())
    if change is not None:
        change(document["response"]["body"])
    return recording.from_document(document, STREAM)


def test_recordings_the_sdk_accepts_have_no_problems():
    for path in sorted(EXAMPLES.rglob("*.json")):
        assert sdk_check.sdk_problems(recording.loads(path.read_bytes(), path), path) == []


def test_a_payload_the_sdk_rejects_is_named_by_file_field_and_the_sdks_message():
    def damage(body):
        body[2]["__data__"]["choices"][0]["delta"]["role"] = "narrator"
        del body[5]["__data__"]["id"]

    assert sdk_check.sdk_problems(read(damage), Path("r.json")) == [
        f"r.json: response.body[2].__data__: the installed SDK's {CHUNK} rejects it: choices.0.delta.role: "
        "Input should be 'developer', 'system', 'user', 'assistant' or 'tool'",
        f"r.json: response.body[5].__data__: the installed SDK's {CHUNK} rejects it: id: Field required",
    ]


def test_types_of_sdks_not_installed_or_not_sdks_are_skipped_silently():
    def retype(body):
        body[0]["__type__"] = "llama_stack_client.types.Message"  # not installed here
        body[1]["__type__"] = "os.system"  # never imported on a recording's word
        body[2]["__type__"] = "openai.types.chat.NoSuchClass"
        for item in body[:3]:
            item["__data__"] = {"nothing": "it expects"}

    assert sdk_check.sdk_problems(read(retype), STREAM) == []
    assert sdk_check.sdk_class("os.system") is None
    assert sdk_check.sdk_class(CHUNK).__name__ == "ChatCompletionChunk"


def test_values_openai_builds_without_validating_count_only_when_strict():
    def azure_first_chunk(body):
        body[0]["__data__"]["object"] = ""  # as Azure sends it; the SDK passes it through
        body[1]["__data__"]["created"] = None

    def missing(body):
        del body[0]["__data__"]["model"]  # what a newer SDK requires and the test would trip on

    quirky, lacking = read(azure_first_chunk), read(missing)

    assert sdk_check.mismatches(quirky.response) == []
    assert [where for where, _ in sdk_check.mismatches(quirky.response, strict=True)] == [
        "response.body[0].__data__",
        "response.body[1].__data__",
    ]
    assert sdk_check.mismatches(lacking.response) == [
        ("response.body[0].__data__", f"the installed SDK's {CHUNK} rejects it: model: Field required")
    ]
