"""The tape: one test's decisions per request, the live pipeline, and what it keeps at teardown."""

from __future__ import annotations

import json

import pytest

from pytest_llmrec.config import RecordingConfig
from pytest_llmrec.errors import RecordingMissError
from pytest_llmrec.jsonpath import JsonPath
from pytest_llmrec.modes import Mode
from pytest_llmrec.tape import Tape

URL = "https://api.openai.com/v1/chat/completions"
HEADERS = {"content-type": "application/json"}
BODY = b'{"model": "m", "messages": []}'
JSON_HEADERS = [("content-type", "application/json")]
ANSWER = {
    "id": "chatcmpl-REAL0123456789",
    "object": "chat.completion",
    "created": 1718000000,
    "model": "m",
    "choices": [],
}


def tape(tmp_path, mode: Mode, **config) -> Tape:
    return Tape(RecordingConfig("t.py::test", mode, tmp_path, **config), "t.py::test")


def record_one(recording: Tape, body: bytes = BODY, answer: dict = ANSWER) -> bytes:
    """Send one request through the live pipeline; returns what the client received."""
    plan = recording.plan("POST", URL, HEADERS, body)
    take = plan.respond(200, JSON_HEADERS)
    assert take.whole  # a JSON document is rewritten once it is all there
    return take.feed(json.dumps(answer).encode()) + take.finish()


def test_identical_requests_take_successive_occurrences(tmp_path):
    recording = tape(tmp_path, Mode.RECORD_MISSING)
    first, second = (recording.plan("POST", URL, HEADERS, BODY) for _ in range(2))
    assert (first.exchange.occurrence, second.exchange.occurrence) == (1, 2)
    assert second.exchange.path.name == f"{first.key.digest}.2.json"


def test_a_request_that_got_no_response_gives_its_place_to_the_retry(tmp_path):
    recording = tape(tmp_path, Mode.RECORD_MISSING)
    attempt = recording.plan("POST", URL, HEADERS, BODY)
    attempt.failed()
    retry = recording.plan("POST", URL, HEADERS, BODY)
    assert retry.exchange.occurrence == 1  # so replay finds it where the first call looks
    assert recording.recorder.failed == [attempt.exchange]


def test_replay_without_a_recording_raises_before_anything_is_sent(tmp_path):
    with pytest.raises(RecordingMissError, match="no recording matches this request"):
        tape(tmp_path, Mode.REPLAY).plan("POST", URL, HEADERS, BODY)


@pytest.mark.parametrize(
    ("mode", "records"), [(Mode.LIVE, False), (Mode.REWRITE, True), (Mode.RECORD_MISSING, True)]
)
def test_modes_that_go_live_decide_whether_to_record(tmp_path, mode, records):
    plan = tape(tmp_path, mode).plan("POST", URL, HEADERS, BODY)
    assert plan.replay is None and (plan.request is not None) is records


def test_the_client_gets_stable_ids_and_the_recording_is_written_at_close(tmp_path):
    recording = tape(tmp_path, Mode.RECORD_MISSING)
    received = json.loads(record_one(recording))
    assert received["id"].startswith("rec-") and received["created"] == 0
    assert not list(tmp_path.rglob("*.json"))  # nothing on disk before the test ends

    recording.close(passed=True)

    (path,) = tmp_path.rglob("*.json")
    assert recording.recorder.written == [path]
    document = json.loads(path.read_text())
    assert document["response"]["body"]["__data__"]["id"] == received["id"]
    assert document["id_normalization_mapping"] == {received["id"]: "chatcmpl-REAL0123456789"}


def test_a_replay_plan_carries_the_response_and_the_ids_behind_it(tmp_path):
    first = tape(tmp_path, Mode.RECORD_MISSING)
    stable = json.loads(record_one(first))["id"]
    first.close(passed=True)

    replaying = tape(tmp_path, Mode.REPLAY)
    plan = replaying.plan("POST", URL, HEADERS, BODY)

    assert plan.replay is not None and json.loads(plan.replay.content)["id"] == stable
    assert replaying.recorder.replayed[0].path == first.recorder.written[0]
    follow_up = json.dumps({"model": "m", "previous_response_id": stable}).encode()
    live = tape(tmp_path, Mode.RECORD_MISSING)
    live.plan("POST", URL, HEADERS, BODY)  # replayed: teaches this tape the real id behind ``stable``
    sent = live.plan("POST", URL + f"?after={stable}", HEADERS, follow_up)
    assert sent.replay is None
    assert json.loads(sent.body)["previous_response_id"] == "chatcmpl-REAL0123456789"
    assert sent.url.endswith("?after=chatcmpl-REAL0123456789")


def test_a_stream_passes_frame_by_frame_whatever_the_chunking(tmp_path):
    recording = tape(tmp_path, Mode.RECORD_MISSING)
    take = recording.plan("POST", URL, HEADERS, BODY).respond(200, [("content-type", "text/event-stream")])
    event = b'data: {"id": "chatcmpl-REALSTREAM01", "object": "chat.completion.chunk", "choices": []}\n\n'
    first, second = take.feed(event[:20]), take.feed(event[20:] + b"data: [DONE]\n\n")
    assert not take.whole and first == b""  # nothing leaves before its frame is complete
    assert b"rec-" in second and b"REALSTREAM" not in second and second.endswith(b"data: [DONE]\n\n")
    assert take.finish() == b"" and take.finish() == b""  # finishing twice records once
    assert len(recording.recorder.recorded) == 1


def test_a_failed_tests_recordings_are_dropped_only_when_asked(tmp_path):
    kept = tape(tmp_path / "kept", Mode.RECORD_MISSING)
    record_one(kept)
    kept.close(passed=False)
    assert len(kept.recorder.written) == 1

    dropped = tape(tmp_path / "dropped", Mode.RECORD_MISSING, record_on_failure=False)
    record_one(dropped)
    dropped.close(passed=False)
    assert dropped.recorder.written == [] and len(dropped.recorder.discarded) == 1
    assert not (tmp_path / "dropped").exists()


def test_live_mode_counts_tokens_and_writes_nothing(tmp_path):
    recording = tape(tmp_path, Mode.LIVE)
    record_one(recording, answer={**ANSWER, "usage": {"prompt_tokens": 3, "completion_tokens": 4}})
    recording.close(passed=True)
    assert recording.recorder.tokens_live == 7
    assert recording.recorder.recorded == [] and not list(tmp_path.rglob("*.json"))


def test_a_request_without_a_path_is_recorded_under_the_root_path(tmp_path):
    plan = tape(tmp_path, Mode.RECORD_MISSING).plan("GET", "http://localhost:11434", {}, b"")
    assert plan.exchange.endpoint == "/" and plan.request.endpoint == "/"


def test_a_llama_stack_file_answers_when_the_tests_ignore_paths_make_it_match(tmp_path):
    recorded = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    document = {
        "test_id": "t.py::test",
        "request": {
            "method": "POST",
            "url": "https://x/v1/v1/chat/completions",
            "endpoint": "/v1/chat/completions",
            "body": recorded,
        },
        "response": {"body": {"__type__": "x", "__data__": {"answer": 1}}, "is_streaming": False},
    }
    (tmp_path / "0123abcd.json").write_text(json.dumps(document))  # llama-stack's own name and layout
    live = json.dumps({**recorded, "metadata": {"run": 7}}).encode()

    with pytest.raises(RecordingMissError):
        tape(tmp_path, Mode.REPLAY).plan("POST", URL, HEADERS, live)
    plan = tape(tmp_path, Mode.REPLAY, ignore=(JsonPath.parse("metadata"),)).plan("POST", URL, HEADERS, live)
    assert plan.replay is not None and json.loads(plan.replay.content) == {"answer": 1}
