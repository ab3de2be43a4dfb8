"""The miss message: the field-level diff it shows (recorded -> live), and no credential in it."""

from pathlib import Path

from pytest_llmrec.config import RecordingConfig
from pytest_llmrec.matching import KeyOptions, request_key
from pytest_llmrec.misses import ABSENT, Candidate, explain_miss, field_diff
from pytest_llmrec.modes import Mode
from pytest_llmrec.recorder import LLMRecorder
from pytest_llmrec.storage.scrub import Scrubber


def test_changed_added_and_removed_fields_are_named_by_path():
    recorded = {"model": "m", "temperature": 0.2, "messages": [{"role": "user", "content": "a"}], "user": "x"}
    live = {
        "model": "m",
        "temperature": 0.7,
        "messages": [{"role": "user", "content": "b"}, {"role": "user"}],
        "n": 2,
    }
    assert field_diff(recorded, live) == [
        "messages[0].content: 'a' -> 'b'",
        f"messages[1]: {ABSENT} -> {{'role': 'user'}}",
        f"n: {ABSENT} -> 2",
        "temperature: 0.2 -> 0.7",
        f"user: 'x' -> {ABSENT}",
    ]


def test_identical_bodies_differ_nowhere_and_long_values_are_shortened():
    assert field_diff({"a": [1, {"b": 2}]}, {"a": [1, {"b": 2}]}) == []
    (line,) = field_diff("x" * 200, "y")
    assert line.startswith("<body>: 'xxx") and " ... -> 'y'" in line and len(line) < 100


def test_the_miss_message_shows_no_credential_the_request_or_a_nearby_recording_carried(tmp_path):
    opaque, stripe = "opaque-0123456789abcdef", "sk_" + "live_" + "a" * 24
    url = "https://x/v1/chat/completions?auth=auth-0123456789"
    body = b'{"model": "m", "api_key": "short", "messages": [{"content": "use opaque-0123456789abcdef"}]}'
    scrubber = Scrubber(environ={})
    scrubber.learn(url, [("authorization", f"Bearer {opaque}")], body, "application/json")
    key = request_key("POST", url, "application/json", body, KeyOptions("t"))
    nearby = Candidate(Path("r.json"), "POST", "/v1/chat/completions", {"model": "m", "password": stripe})
    recorder = LLMRecorder(RecordingConfig("t", Mode.REPLAY, tmp_path))

    message = explain_miss(recorder, "t.py::t", key, 1, 0, [nearby], scrubber)

    assert opaque not in message and stripe not in message and "short" not in message
    assert "'content': 'use <header authorization>'" in message and "'api_key': '<field api_key>'" in message
    assert "password: '<field password>' -> (absent)" in message


def test_a_changed_request_suggests_rewrite_and_a_new_one_record_missing(tmp_path):
    """record-missing after a prompt change would leave the old recording beside the new one."""
    body = b'{"model": "m", "messages": [{"role": "user", "content": "b"}]}'
    key = request_key("POST", "https://x/v1/chat/completions", "application/json", body, KeyOptions("t"))
    old = Candidate(Path("r.json"), "POST", "/v1/chat/completions", {"model": "m", "messages": []})
    recorder = LLMRecorder(RecordingConfig("t", Mode.REPLAY, tmp_path))

    changed = explain_miss(recorder, "tests/t.py::test_x", key, 1, 0, [old])
    new = explain_miss(recorder, "tests/t.py::test_x", key, 1, 0, [])

    assert changed.splitlines()[-1] == "  to re-record it: pytest --llm-record=rewrite tests/t.py::test_x"
    assert new.splitlines()[-1] == "  to record it:    pytest --llm-record=record-missing tests/t.py::test_x"
