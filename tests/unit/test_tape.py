"""The per-test decisions: occurrences of identical requests, failures, modes."""

from __future__ import annotations

import pytest

from pytest_llmrec.config import Mode, RecordingConfig
from pytest_llmrec.errors import RecordingMissError
from pytest_llmrec.tape import LLMCassette

URL = "https://api.openai.com/v1/chat/completions"
HEADERS = {"content-type": "application/json"}
BODY = b'{"model": "m", "messages": []}'


def cassette(tmp_path, mode: Mode) -> LLMCassette:
    return LLMCassette(RecordingConfig("t.py::test", mode, tmp_path), "t.py::test")


def test_identical_requests_take_successive_occurrences(tmp_path):
    recording = cassette(tmp_path, Mode.RECORD_MISSING)
    first, second = (recording.plan("POST", URL, HEADERS, BODY) for _ in range(2))
    assert (first.exchange.occurrence, second.exchange.occurrence) == (1, 2)
    assert second.exchange.path.name == f"{first.key.digest}.2.json"


def test_a_request_that_got_no_response_gives_its_place_to_the_retry(tmp_path):
    recording = cassette(tmp_path, Mode.RECORD_MISSING)
    attempt = recording.plan("POST", URL, HEADERS, BODY)
    recording.failed(attempt)
    retry = recording.plan("POST", URL, HEADERS, BODY)
    assert retry.exchange.occurrence == 1  # so replay finds it where the first call looks
    assert recording.recorder.failed == [attempt.exchange]


def test_replay_without_a_recording_raises_before_anything_is_sent(tmp_path):
    with pytest.raises(RecordingMissError, match="no recording matches this request"):
        cassette(tmp_path, Mode.REPLAY).plan("POST", URL, HEADERS, BODY)


@pytest.mark.parametrize(
    ("mode", "records"), [(Mode.LIVE, False), (Mode.REWRITE, True), (Mode.RECORD_MISSING, True)]
)
def test_modes_that_go_live_decide_whether_to_record(tmp_path, mode, records):
    plan = cassette(tmp_path, mode).plan("POST", URL, HEADERS, BODY)
    assert plan.replay is None and plan.record is records
