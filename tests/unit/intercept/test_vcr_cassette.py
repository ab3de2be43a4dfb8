"""The cassette VCR.py's stubs drive: answered by the tape, live responses recorded with stable ids."""

from __future__ import annotations

import json
import socket
import warnings

import pytest
import requests
from vcr.request import Request

from pytest_llmrec.config import RecordingConfig
from pytest_llmrec.errors import RecordingWarning
from pytest_llmrec.intercept.patchers import intercepting
from pytest_llmrec.intercept.vcr_cassette import VcrCassette
from pytest_llmrec.modes import Mode
from pytest_llmrec.tape import Tape

URL = "https://api.openai.com/v1/chat/completions"
BODY = json.dumps({"model": "m", "messages": [], "stream": True}).encode()
REAL = "chatcmpl-REAL0123456789"


def cassette(tmp_path, mode: Mode) -> VcrCassette:
    return VcrCassette(Tape(RecordingConfig("t.py::test", mode, tmp_path), "t.py::test"))


def vcr_request() -> Request:
    return Request("POST", URL, BODY, {"Content-Type": "application/json"})


def sse(*events: str) -> bytes:
    return "".join(f"{event}\n\n" for event in events).encode()


def test_a_stream_the_stub_read_whole_is_recorded_with_stable_ids_then_replayed(tmp_path):
    chunk = {
        "id": REAL,
        "object": "chat.completion.chunk",
        "created": 1718000000,
        "model": "m",
        "choices": [],
    }
    text = json.dumps(chunk, indent=1)  # the event's JSON over several data: lines
    event = "\n".join(f"data: {line}" for line in text.splitlines())
    recording = cassette(tmp_path, Mode.RECORD_MISSING)
    request = vcr_request()
    assert not recording.can_play_response_for(request)
    response = {
        "status": {"code": 200, "message": "OK"},
        "headers": {"Content-Type": ["text/event-stream"]},
        "body": {"string": sse(event, "data: [DONE]")},
    }

    recording.append(request, response)
    recording.tape.close(passed=True)

    (path,) = tmp_path.rglob("*.json")
    document = json.loads(path.read_text())
    (event_data,) = (item["__data__"] for item in document["response"]["body"])
    assert event_data["id"].startswith("rec-") and event_data["created"] == 0
    assert document["id_normalization_mapping"] == {event_data["id"]: REAL}  # kept to send it back
    replaying = cassette(tmp_path, Mode.REPLAY)
    again = vcr_request()
    assert replaying.can_play_response_for(again)
    played = replaying.play_response(again)
    assert played["status"] == {"code": 200, "message": "OK"}
    first, done = played["body"]["string"].split(b"\n\n")[:2]
    assert json.loads(first.removeprefix(b"data: "))["id"].startswith("rec-") and done == b"data: [DONE]"


def test_a_stub_asking_twice_about_one_request_gets_one_plan(tmp_path):
    recording = cassette(tmp_path, Mode.RECORD_MISSING)
    request = vcr_request()
    recording.can_play_response_for(request)  # http.client's stub asks in connect() and in getresponse()
    recording.can_play_response_for(request)
    assert len(recording.tape.recorder.sent) == 1


def test_a_request_refused_before_any_response_counts_as_failed_not_cut_short(tmp_path):
    """requests through VCR.py's urllib3 stub to a port nothing listens on: no warning, nothing recorded."""
    with socket.socket() as probe:  # a port that was free a moment ago, so the connection is refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    tape = Tape(RecordingConfig("t.py::test", Mode.RECORD_MISSING, tmp_path), "t.py::test")
    with intercepting(tape), pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/v1/models", timeout=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RecordingWarning)
        tape.close(passed=True)

    assert [exchange.url for exchange in tape.recorder.failed] == [f"http://127.0.0.1:{port}/v1/models"]
    assert not list(tmp_path.rglob("*.json"))
