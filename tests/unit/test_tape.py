"""The tape: one test's decisions per request, the live pipeline, and what it keeps at teardown."""

from __future__ import annotations

import json

import pytest

from pytest_llmrec.config import RecordingConfig
from pytest_llmrec.errors import RecordingFileError, RecordingMissError, RecordingWarning
from pytest_llmrec.jsonpath import JsonPath
from pytest_llmrec.modes import Mode
from pytest_llmrec.storage.store import Store
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


def recorded_file(tmp_path, scope="t.py::test", **config):
    first = Tape(RecordingConfig(scope, Mode.RECORD_MISSING, tmp_path, **config), scope)
    record_one(first)
    first.close(passed=True)
    return first.recorder.written[0]


def edit(path, change) -> None:
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


def test_replaying_a_file_whose_request_was_edited_fails_naming_it_and_the_fix(tmp_path):
    path = recorded_file(tmp_path)
    edit(path, lambda d: d["request"]["body"].update(model="other"))

    with pytest.raises(RecordingFileError) as error:
        tape(tmp_path, Mode.REPLAY).plan("POST", URL, HEADERS, BODY)

    assert str(error.value).startswith(f"{path}: request: the file's name no longer matches its content: ")
    assert str(error.value).endswith(
        f"(hand-edited, or copied from another scope); rename it to its key with "
        f"`llmrec check --fix {path}`, or delete it and record again"
    )


def test_a_file_of_another_scope_at_this_tests_key_is_refused(tmp_path):
    theirs = recorded_file(tmp_path / "theirs", scope="t.py::other")
    mine = tape(tmp_path, Mode.RECORD_MISSING).plan("POST", URL, HEADERS, BODY).exchange.path
    mine.parent.mkdir(parents=True)
    mine.write_bytes(theirs.read_bytes())

    with pytest.raises(
        RecordingFileError, match=r"test_id: recorded for scope 't.py::other', not 't.py::test'"
    ):
        tape(tmp_path, Mode.RECORD_MISSING).plan("POST", URL, HEADERS, BODY)


@pytest.mark.parametrize(
    "config",
    [
        {"ignore": (JsonPath.parse("messages"),)},
        {"match_host": True},
        {"scrub": (JsonPath.parse("model"),)},
        {"scrub_env_vars": ("LLMREC_TEST_PROMPT_KEY",)},
    ],
    ids=["ignore", "match_host", "scrubbed field", "scrubbed variable"],
)
def test_files_recorded_with_key_options_or_scrubbed_values_replay(tmp_path, monkeypatch, config):
    monkeypatch.setenv("LLMREC_TEST_PROMPT_KEY", "m-with-a-long-value")
    body = b'{"model": "m-with-a-long-value", "messages": []}'
    first = tape(tmp_path, Mode.RECORD_MISSING, **config)
    record_one(first, body)
    first.close(passed=True)

    plan = tape(tmp_path, Mode.REPLAY, **config).plan("POST", URL, HEADERS, body)

    assert plan.replay is not None


def test_a_redirect_is_not_recorded_and_gives_its_place_to_the_next_call(tmp_path):
    recording = tape(tmp_path, Mode.RECORD_MISSING)
    take = recording.plan("POST", URL, HEADERS, BODY).respond(302, [("location", "https://elsewhere/")])
    with pytest.warns(RecordingWarning) as warned:
        take.finish()
    recording.close(passed=True)

    assert [str(w.message) for w in warned if w.category is RecordingWarning] == [
        f"POST {URL}: not recorded: the answer was 302, a redirect, which a recording cannot replay; "
        "let the client follow redirects, or call the final URL"
    ]
    assert recording.recorder.recorded == [] and not list(tmp_path.rglob("*.json"))
    assert recording.plan("POST", URL, HEADERS, BODY).exchange.occurrence == 1


def test_a_miss_beside_a_copied_file_says_what_is_wrong_with_it_not_that_it_was_used(tmp_path):
    theirs = recorded_file(tmp_path / "theirs", scope="t.py::other")
    folder = Store(tmp_path).scope_dir("t.py::test")
    folder.mkdir(parents=True)
    (folder / theirs.name).write_bytes(theirs.read_bytes())

    with pytest.raises(RecordingMissError) as miss:
        tape(tmp_path, Mode.REPLAY).plan("POST", URL, HEADERS, BODY)

    assert f"    {theirs.name}:\n      test_id: recorded for scope 't.py::other', not 't.py::test'" in str(
        miss.value
    )
    assert "an earlier call already used this recording" not in str(miss.value)


def test_a_dangling_symlink_at_the_path_stops_record_missing_before_it_goes_live(tmp_path):
    path = tape(tmp_path, Mode.RECORD_MISSING).plan("POST", URL, HEADERS, BODY).exchange.path
    path.parent.mkdir(parents=True)
    path.symlink_to(tmp_path / "moved-away.json")

    recording = tape(tmp_path, Mode.RECORD_MISSING)
    with pytest.raises(RecordingFileError, match=r"a symlink to .*moved-away\.json, which does not exist"):
        recording.plan("POST", URL, HEADERS, BODY)
    assert recording.recorder.sent == []


def test_a_file_in_a_shared_directory_is_checked_too(tmp_path):
    shared = recorded_file(tmp_path / "shared")
    edit(shared, lambda d: d["request"].update(method="GET"))
    replaying = tape(tmp_path / "own", Mode.REPLAY, shared_dirs=(tmp_path / "shared",))

    with pytest.raises(RecordingFileError, match=f"^{shared}: request: the file's name no longer matches"):
        replaying.plan("POST", URL, HEADERS, BODY)


def test_tests_sharing_a_named_scope_replay_each_others_files(tmp_path):
    first = Tape(RecordingConfig("shared", Mode.RECORD_MISSING, tmp_path), "t.py::test_a")
    record_one(first)
    first.close(passed=True)

    other = Tape(RecordingConfig("shared", Mode.REPLAY, tmp_path), "t.py::test_b")

    assert other.plan("POST", URL, HEADERS, BODY).replay is not None
