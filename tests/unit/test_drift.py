"""drift.detect on recordings made by real SDKs (tests/data/recordings_zoo), each against a changed copy."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

import pytest

from pytest_llmrec import drift
from pytest_llmrec.drift import Drift
from pytest_llmrec.storage import recording
from pytest_llmrec.storage.codec import StoredResponse

ZOO = Path(__file__).parents[1] / "data" / "recordings_zoo"


def _response(name: str) -> StoredResponse:
    path = ZOO / name
    return recording.loads(path.read_bytes(), path).response


def _changed(response: StoredResponse, change: Any) -> StoredResponse:
    body = copy.deepcopy(response.body)
    change(body)
    return dataclasses.replace(response, body=body)


@pytest.mark.parametrize("name", sorted(p.name for p in ZOO.glob("*.json")))
def test_a_recording_has_no_drift_from_itself(name: str) -> None:
    assert drift.detect(_response(name), _response(name)) == []


def test_a_new_object_is_named_once_at_its_top_and_a_removed_field_by_its_path() -> None:
    chat = _response("azure_chat.json")

    def change(body: dict[str, Any]) -> None:
        message = body["__data__"]["choices"][0]["message"]
        message["annotations"] = [{"type": "url_citation", "url_citation": {"url": "u", "title": "t"}}]
        del body["__data__"]["usage"]["total_tokens"]

    assert drift.detect(chat, _changed(chat, change)) == [
        Drift("new field", "choices[].message.annotations", "array"),
        Drift("removed field", "usage.total_tokens", "number"),
    ]


def test_a_field_null_on_one_side_only_is_not_drift_but_another_type_is() -> None:
    chat = _response("azure_chat.json")

    def fill(body: dict[str, Any]) -> None:
        body["__data__"]["choices"][0]["logprobs"] = {"content": []}

    def retype(body: dict[str, Any]) -> None:
        body["__data__"]["created"] = "2026-12-01"

    assert chat.body["__data__"]["choices"][0]["logprobs"] is None
    assert drift.detect(chat, _changed(chat, fill)) == [
        Drift("new field", "choices[].logprobs.content", "array")
    ]
    assert drift.detect(chat, _changed(chat, retype)) == [
        Drift("changed type", "created", "number -> string")
    ]


def test_another_sdk_class_and_another_model_are_drift() -> None:
    chat = _response("azure_chat.json")
    recorded_model = chat.body["__data__"]["model"]

    def change(body: dict[str, Any]) -> None:
        body["__type__"] = "openai.types.chat.chat_completion.ChatCompletionV2"
        body["__data__"]["model"] = "gpt-4o-2099-01-01"

    found = drift.detect(chat, _changed(chat, change))
    assert found == [
        Drift("different model", "model", f"recorded {recorded_model}, answered by gpt-4o-2099-01-01"),
        Drift(
            "changed type",
            "__type__",
            "openai.types.chat.chat_completion.ChatCompletion -> "
            "openai.types.chat.chat_completion.ChatCompletionV2",
        ),
    ]


def test_a_stream_whose_events_changed_kind_or_order_is_drift() -> None:
    stream = _response("anthropic_stream.json")

    def without_block_stops(body: list[Any]) -> None:
        body[:] = [
            event for event in body if event.get("__data__", event).get("type") != "content_block_stop"
        ]

    found = drift.detect(stream, _changed(stream, without_block_stops))
    assert found[0].kind == "changed event sequence" and found[0].path == "stream"
    before, after = found[0].detail.split(" -> ")
    assert "content_block_stop" in before.split(", ") and "content_block_stop" not in after.split(", ")


def test_a_changed_status_says_only_that() -> None:
    ok, limited = _response("azure_chat.json"), _response("anthropic_rate_limited.json")
    assert drift.detect(ok, limited) == [Drift("changed status", "status", f"200 -> {limited.status}")]


def test_failing_leaves_out_only_the_kinds_allowed() -> None:
    found = [Drift("new field", "a", "string"), Drift("different model", "model", "x")]
    assert drift.failing(found, ()) == found
    assert drift.failing(found, ("new-fields",)) == [found[1]]
