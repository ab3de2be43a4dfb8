"""A stream's event offsets: measured from a take's clock, validated on reading, kept on a same-pace rewrite."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from pytest_llmrec.errors import RecordingFileError
from pytest_llmrec.storage import codec, pace, recording, streams
from pytest_llmrec.storage.store import Store, Written

EVENTS = 10
SSE = b"".join(b'data: {"index": %d}\n\n' % i for i in range(EVENTS)) + b"data: [DONE]\n\n"
STREAM = recording.Recording(
    "t",
    recording.StoredRequest("POST", "http://x/v1/chat/completions", {}, "/v1/chat/completions"),
    codec.encode_response(200, [("content-type", "text/event-stream")], SSE),
)


def _stream(change: Callable[[dict[str, Any]], Any] | None = None) -> dict[str, Any]:
    document: dict[str, Any] = orjson.loads(recording.dumps(recording.to_document(STREAM)))
    if change is not None:
        change(document["response"])
    return document


def _clock(times: list[float]) -> pace.Clock:
    return pace.Clock(now=iter(times).__next__)


def test_a_recording_without_offsets_still_reads_and_replays_at_once() -> None:
    rec = recording.loads(recording.dumps(_stream()), Path("old.json"))
    assert rec.response.offsets_ms is None
    assert pace.FIELD not in recording.to_document(rec)["response"]


def test_offsets_round_trip_and_stay_byte_stable() -> None:
    offsets = [i * 100 for i in range(EVENTS)]
    data = recording.dumps(_stream(lambda r: r.update(event_offsets_ms=offsets, first_byte_ms=350)))
    rec = recording.loads(data, Path("x.json"))
    assert rec.response.offsets_ms == tuple(offsets) and rec.response.first_byte_ms == 350
    assert recording.dumps(recording.to_document(rec)) == data


DAMAGE = {
    "a string": (
        lambda r: r.update(event_offsets_ms="0,100"),
        'response.event_offsets_ms: expected a list of milliseconds, one per event, got str "0,100"',
    ),
    "one too few": (
        lambda r: r.update(event_offsets_ms=[0] * (EVENTS - 1)),
        "response.event_offsets_ms: holds 9 offset(s) for the 10 event(s) of response.body",
    ),
    "a fraction": (
        lambda r: r.update(event_offsets_ms=[0, 10.5] + [20] * (EVENTS - 2)),
        "response.event_offsets_ms[1]: expected a whole number of milliseconds, 0 or more, got float 10.5",
    ),
    "negative": (
        lambda r: r.update(event_offsets_ms=[-10] + [0] * (EVENTS - 1)),
        "response.event_offsets_ms[0]: expected a whole number of milliseconds, 0 or more, got int -10",
    ),
    "a boolean": (
        lambda r: r.update(event_offsets_ms=[True] * EVENTS),
        "response.event_offsets_ms[0]: expected a whole number of milliseconds, 0 or more, got bool true",
    ),
    "back in time": (
        lambda r: r.update(event_offsets_ms=[0, 100, 90] + [100] * (EVENTS - 3)),
        "response.event_offsets_ms[2]: 90 comes before the offset ahead of it (100): offsets never decrease",
    ),
    "first byte wait without offsets": (
        lambda r: r.update(first_byte_ms=300),
        "response.first_byte_ms: only a stream with response.event_offsets_ms has a first byte to wait for",
    ),
    "first byte wait a string": (
        lambda r: r.update(event_offsets_ms=[0] * EVENTS, first_byte_ms="300"),
        'response.first_byte_ms: expected a whole number of milliseconds, 0 or more, got str "300"',
    ),
    "on a body that is not a stream": (
        lambda r: r.update(
            format="json", is_streaming=False, body={"a": 1}, stream=None, event_offsets_ms=[0]
        ),
        "response.event_offsets_ms: only a stream (sse or ndjson) has event offsets, and format is json",
    ),
}


@pytest.mark.parametrize(("change", "message"), DAMAGE.values(), ids=DAMAGE.keys())
def test_bad_offsets_are_refused_naming_file_and_field(change: Any, message: str) -> None:
    document = _stream(change)
    if document["response"].get("stream") is None:
        document["response"].pop("stream")
    with pytest.raises(RecordingFileError) as info:
        recording.loads(recording.dumps(document), Path("recordings/x.json"))
    assert str(info.value) == f"recordings/x.json: {message}"


SSE_BODY = b'data: {"a":1}\n\n: a comment\n\ndata: {"a":2}\n\ndata: {"a":3}\n\ndata: [DONE]\n\n'


def test_the_wait_for_the_first_byte_is_timed_from_the_request() -> None:
    clock = pace.Clock(asked=1.0, now=iter([1.346]).__next__)
    clock.came(b"data: ")
    assert pace.first_byte(clock) == 350
    assert pace.first_byte(pace.Clock()) is None


def test_each_event_is_timed_when_its_last_byte_passed() -> None:
    """Chunks as a server may cut them: the second event spans two, the third comes with the first."""
    clock = _clock([10.0, 10.0, 10.25, 10.5])
    events, _ = streams.parse_sse(SSE_BODY)
    first = SSE_BODY.index(b'data: {"a":2}') + 5
    cut = [
        SSE_BODY[:first],
        SSE_BODY[first : -len(b"data: [DONE]\n\n")],
        SSE_BODY[-len(b"data: [DONE]\n\n") :],
    ]
    clock.came(cut[0])  # 10.0: the first byte
    clock.passed(cut[0])  # 10.0: the first event and the comment
    clock.came(cut[1])
    clock.passed(cut[1])  # 10.25: the second and third events
    clock.came(cut[2])
    clock.passed(cut[2])  # 10.5: the terminator
    assert pace.offsets(clock, SSE_BODY, sse=True, events=len(events)) == (0, 250, 250)


def test_offsets_are_rounded_to_ten_milliseconds_and_ndjson_lines_count() -> None:
    body = b'{"a":1}\n{"a":2}\n\n{"a":3}'  # the last line without its line end, as a stream may end
    clock = _clock([0.0, 0.0, 0.104, 0.296])
    clock.came(body)
    clock.passed(body[:8])
    clock.passed(body[8:17])
    clock.passed(body[17:])
    assert pace.offsets(clock, body, sse=False, events=3) == (0, 100, 300)


def test_no_offsets_when_the_frames_are_not_the_events_stored() -> None:
    clock = _clock([0.0, 0.0])
    clock.came(SSE_BODY)
    clock.passed(SSE_BODY)
    assert pace.offsets(clock, SSE_BODY, sse=True, events=4) is None
    assert pace.offsets(pace.Clock(), b"", sse=True, events=0) is None  # no byte came: nothing measured


@pytest.mark.parametrize(
    ("old", "new", "same"),
    [
        ([0, 100, 200, 4000], [0, 590, 690, 4960], True),  # within 500 ms, or 25 % of 4000
        ([0, 100, 200, 4000], [0, 100, 200, 5010], False),  # 25 % and 10 ms slower at the end
        ([0, 100, 700], [0, 610, 700], False),  # the second event 510 ms later
        ([0, 500, 1000], [0, 1000, 2000], False),  # twice as slow
        ([0, 100], [0, 100, 200], False),  # another number of events
    ],
)
def test_the_same_pace_rule(old: list[int], new: list[int], same: bool) -> None:
    assert pace.same_pace(old, new) is same


def _with_offsets(rec: recording.Recording, offsets: list[int]) -> recording.Recording:
    return dataclasses.replace(rec, response=dataclasses.replace(rec.response, offsets_ms=tuple(offsets)))


def test_a_rewrite_at_about_the_same_pace_leaves_the_file_byte_identical(tmp_path: Path) -> None:
    store = Store(tmp_path)
    rec = STREAM
    path = tmp_path / "s" / "k.json"
    store.write(path, _with_offsets(rec, [i * 100 for i in range(EVENTS)]), overwrite=False)
    before = path.read_bytes()

    jittered = [i * 100 + (30 if i % 2 else 0) for i in range(EVENTS)]
    assert store.write(path, _with_offsets(rec, jittered), overwrite=True) is Written.UNCHANGED

    assert path.read_bytes() == before
    slower = [i * 200 for i in range(EVENTS)]
    assert store.write(path, _with_offsets(rec, slower), overwrite=True) is Written.NEW
    assert orjson.loads(path.read_bytes())["response"][pace.FIELD] == slower


def test_a_changed_answer_at_the_same_pace_keeps_the_old_offsets(tmp_path: Path) -> None:
    """Fewer lines in the diff a reviewer reads: only the answer changed, so only it shows."""
    store = Store(tmp_path)
    rec = STREAM
    path = tmp_path / "s" / "k.json"
    offsets = [i * 100 for i in range(EVENTS)]
    store.write(path, _with_offsets(rec, offsets), overwrite=False)
    other = dataclasses.replace(rec, response=dataclasses.replace(rec.response, status=201))

    assert store.write(path, _with_offsets(other, [o + 20 for o in offsets]), overwrite=True) is Written.NEW

    written = orjson.loads(path.read_bytes())["response"]
    assert written["status"] == 201 and written[pace.FIELD] == offsets


@pytest.mark.parametrize(
    "body",
    [
        SSE_BODY,
        b'event: ping\n\nevent: message_start\ndata: {"type": "message_start"}\n\n',
        b"data: plain text\ndata: on two lines\r\n\r\n: keep-alive\r\n\r\ndata: [DONE]\r\n\r\n",
        b'id: 7\n\ndata:{"a":1}\n\nretry: 10\n\n',
    ],
)
def test_the_frames_timed_are_the_events_the_recording_stores(body: bytes) -> None:
    assert len(pace.frame_ends(body, sse=True)) == len(streams.parse_sse(body)[0])


def _timed(rec: recording.Recording, offsets: list[int], wait: int) -> recording.Recording:
    response = dataclasses.replace(rec.response, offsets_ms=tuple(offsets), first_byte_ms=wait)
    return dataclasses.replace(rec, response=response)


def test_the_first_byte_wait_follows_the_same_rule(tmp_path: Path) -> None:
    store = Store(tmp_path)
    path = tmp_path / "s" / "k.json"
    offsets = [i * 100 for i in range(EVENTS)]
    store.write(path, _timed(STREAM, offsets, 2000), overwrite=False)
    before = path.read_bytes()

    assert store.write(path, _timed(STREAM, offsets, 2400), overwrite=True) is Written.UNCHANGED
    assert path.read_bytes() == before
    assert store.write(path, _timed(STREAM, offsets, 3000), overwrite=True) is Written.NEW  # 50 % longer
    assert orjson.loads(path.read_bytes())["response"][pace.FIRST_BYTE] == 3000
