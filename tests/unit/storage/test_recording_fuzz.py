"""The reader against damaged files: one field changed at a time, from real valid documents.

Whatever the damage, ``recording.loads`` either refuses the file with a RecordingFileError that
names the file and a field, or returns a recording that replays: ``decode_response`` succeeds
and a JSON body's replayed bytes parse back to what the file holds. No other exception, ever.
"""

from __future__ import annotations

import base64
import copy
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_llmrec.errors import RecordingFileError
from pytest_llmrec.storage import codec, payloads, recording
from pytest_llmrec.storage.recording import Recording, StoredRequest

ROOT = Path(__file__).resolve().parents[3]
FILE = Path("recordings/test_x/damaged.json")
OUTCOMES: Counter[str] = Counter()


def _encoded(content_type: str, body: bytes, endpoint: str = "/v1/chat/completions") -> dict[str, Any]:
    response = codec.encode_response(200, [("content-type", content_type)], body, endpoint)
    request = StoredRequest("POST", "http://127.0.0.1:1/v1/x", {"model": "m"}, endpoint, "m")
    return recording.to_document(Recording("t::x", request, response, {"rec-0123456789ab": "chatcmpl-1"}))


def _seeds() -> list[dict[str, Any]]:
    """Every example_suite recording, the llama-stack seed, and one document per stored format."""
    files = sorted((ROOT / "example_suite" / "recordings").rglob("*.json"))
    files += sorted((ROOT / "tests" / "data" / "llama_stack" / "_historical_c9495e04a").rglob("*.json"))
    documents = [orjson.loads(path.read_bytes()) for path in files]
    chunk = {"object": "chat.completion.chunk", "id": "c", "created": 1, "model": "m", "choices": []}
    documents += [
        _encoded("application/json", orjson.dumps({"object": "chat.completion", "id": "x", "choices": []})),
        _encoded("text/plain", b"plain words"),
        _encoded("audio/mpeg", b"\xff\xfb\x00\x01"),
        _encoded("text/event-stream", b"data: " + orjson.dumps(chunk) + b"\n\ndata: [DONE]\n\n"),
        _encoded("text/event-stream", b'event: a\ndata: {"type":"a"}\n\n', "/v1/responses"),
        _encoded("text/event-stream", b'event: ping\ndata: {"type":"other"}\n\nevent: x\ndata: 1\n\n'),
        _encoded(
            "application/x-ndjson", b'{"model":"m","done":false}\n{"model":"m","done":true}\n', "/api/chat"
        ),
    ]
    return documents


SEEDS = _seeds()


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a document, stream bodies cut to their first events to keep it small."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value[:3]):
            found += _paths(item, (*prefix, index))
    return found


PATHS = [_paths(seed)[1:] for seed in SEEDS]

GARBAGE = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([0, -1, 1, 99, 100, 199, 200, 302, 599, 600, 2**64 - 1, 1e30]),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "[DONE]", "explicit", "type", "none", "json", "sse", "base64", "!!!", "{}", "[1]"]),
    st.text(max_size=12),
    st.lists(st.integers(-9, 9), max_size=2),
    st.sampled_from([{}, {"__type__": "x"}, {"__data__": 1}, {"__type__": 5, "__data__": 1}]),
    st.dictionaries(st.text(max_size=4), st.integers(-9, 9), max_size=2),
)


def _set(document: Any, path: tuple[Any, ...], change: Any) -> None:
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    if change is _DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = change(parent[path[-1]])


_DELETE = object()


def _string_damage(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from(["cut", "append", "replace"]))
    garbage = draw(st.text(min_size=1, max_size=6))
    cut = draw(st.integers(0, 20))
    if kind == "cut":
        return lambda old: old[:cut] if isinstance(old, str) else old
    if kind == "append":
        return lambda old: old + garbage if isinstance(old, str) else garbage
    return lambda old: garbage


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    """A valid document's bytes with one field deleted, retyped, out of range or garbled, or cut short."""
    which = draw(st.integers(0, len(SEEDS) - 1))
    document = copy.deepcopy(SEEDS[which])
    data = recording.dumps(document)
    how = draw(st.sampled_from(["delete", "replace", "string", "truncate"]))
    if how == "truncate":
        return data[: draw(st.integers(0, len(data) - 1))]
    path = draw(st.sampled_from(PATHS[which]))
    if how == "delete":
        change: Any = _DELETE
    elif how == "string":
        change = _string_damage(draw)
    else:
        value = draw(GARBAGE)
        change = lambda old: value  # noqa: E731
    _set(document, path, change)
    return recording.dumps(document)


def _replays_what_the_file_holds(data: bytes, rec: Recording) -> None:
    replay = codec.decode_response(rec.response)
    assert isinstance(replay.status, int) and replay.chunks is not None
    held = orjson.loads(data)["response"]
    if rec.response.format == codec.JSON:
        assert orjson.loads(replay.content) == payloads.from_typed(held["body"])
    elif rec.response.format == codec.BASE64:
        assert replay.content == base64.b64decode(held["body"])
    elif rec.response.format == codec.TEXT:
        assert replay.content == held["body"].encode()


@settings(
    max_examples=1500,
    deadline=2000,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(damaged())
def test_a_damaged_file_is_refused_by_name_or_replays_what_it_holds(data: bytes) -> None:
    try:
        rec = recording.loads(data, FILE)
    except RecordingFileError as error:
        assert str(error).startswith(f"{FILE}: ")
        assert error.field and error.problem
        OUTCOMES["refused"] += 1
        return
    _replays_what_the_file_holds(data, rec)
    OUTCOMES["replayed"] += 1


def test_every_seed_reads_and_replays() -> None:
    for seed in SEEDS:
        data = recording.dumps(seed)
        _replays_what_the_file_holds(data, recording.loads(data, FILE))
    formats = {recording.loads(recording.dumps(seed), FILE).response.format for seed in SEEDS}
    assert formats == set(codec.FORMATS)
