from pathlib import Path

import orjson
import pytest

from pytest_llmrec.errors import RecordingFileError
from pytest_llmrec.storage import codec, recording

SEED = Path(__file__).resolve().parents[4] / "shared" / "seed"
SEED_FILE = SEED / "f27523f3fec83ad48410fc1d959e056fea9ca2d5678acdbe04496bc639cdbbdc.json"


@pytest.mark.skipif(not SEED_FILE.exists(), reason="../shared/seed is not beside this checkout")
def test_the_seed_reads_as_a_stream_of_typed_chunks():
    rec = recording.loads(SEED_FILE.read_bytes(), SEED_FILE)
    assert rec.scope.startswith("tests/integration/inference/test_openai_completion.py::")
    assert rec.response.format == codec.SSE and len(rec.response.body) == 86
    replay = codec.decode_response(rec.response)
    assert len(replay.chunks) == 86  # one per event; llama-stack streams carry no [DONE]
    first = orjson.loads(replay.chunks[0][len(b"data: ") :])
    assert first["id"] == "rec-f27523f3fec8" and first["choices"][0]["delta"]["role"] == "assistant"


def minimal(**response) -> dict:
    return {
        "test_id": "t",
        "request": {"method": "POST", "url": "http://x/v1/y"},
        "response": {"body": {"a": 1}, **response},
    }


def test_round_trip_is_byte_stable():
    rec = recording.from_document(minimal(status=201), Path("f.json"))
    data = recording.dumps(recording.to_document(rec))
    again = recording.dumps(recording.to_document(recording.loads(data, Path("f.json"))))
    assert data == again
    assert data.endswith(b"}\n") and b'\n  "id_normalization_mapping"' in data


@pytest.mark.parametrize(
    ("document", "field", "problem"),
    [
        ([], "<document>", "expected a JSON object"),
        ({"response": {"body": 1}}, "<document>.request", "missing"),
        ({**minimal(), "response": {"is_streaming": True, "body": {}}}, "response.body", "must be a list"),
        (minimal(status="200"), "response.status", "expected int"),
        (minimal(format="xml"), "response.format", "unknown format 'xml'"),
        ({**minimal(), "request": {"method": 1, "url": "u"}}, "request.method", "expected str"),
    ],
)
def test_bad_documents_name_the_file_and_field(document, field, problem):
    with pytest.raises(RecordingFileError) as info:
        recording.from_document(document, Path("recordings/x.json"))
    assert info.value.field == field
    assert problem in info.value.problem
    assert str(info.value).startswith("recordings/x.json: ")


def test_invalid_json_names_the_file():
    with pytest.raises(RecordingFileError, match=r"^broken\.json: <document>: not valid JSON"):
        recording.loads(b'{"test_id": ', Path("broken.json"))


EXAMPLES = (
    Path(__file__).resolve().parents[3] / "example_suite" / "recordings" / "openai" / "test_study_assistant"
)
CHAT = (
    EXAMPLES
    / "test_answers_a_question"
    / ("c2b332af4ef438d76a4bee3621a8607cef1e30a6a4389e0db890d15222b1d56c.json")
)
STREAM = (
    EXAMPLES
    / "test_streams_the_answer_in_pieces"
    / ("fdb8386f9e4f61d6c11ce51c91a99209d55db6b3898f29878a546ebc7ceefd82.json")
)
AUDIO = recording.to_document(
    recording.Recording(
        "t",
        recording.StoredRequest("POST", "http://x/v1/audio/speech", {}, "/v1/audio/speech"),
        codec.encode_response(200, [("content-type", "audio/mpeg")], b"\xff\xfb\x00\x01"),
    )
)


def _chat(change):
    document = orjson.loads(CHAT.read_bytes())
    change(document, document["response"])
    return document


def _stream(change):
    document = orjson.loads(STREAM.read_bytes())
    change(document, document["response"])
    return document


def _audio(change):
    document = orjson.loads(orjson.dumps(AUDIO))
    change(document, document["response"])
    return document


# What a user sees for each kind of damage, word for word (after "recordings/x.json: ").
DAMAGE = {
    "json body kept as JSON text": (
        _chat(lambda d, r: r.update(body=orjson.dumps(r["body"]["__data__"]).decode())),
        "response.body: holds JSON text inside a string, which replay would send quoted: "
        "store the object itself, or use format text",
    ),
    "typed payload without __type__": (
        _stream(lambda d, r: r["body"][3].pop("__type__")),
        "response.body[3].__type__: missing: a typed payload holds both __type__ and __data__",
    ),
    "typed payload without __data__, deep in a body": (
        _chat(lambda d, r: r["body"]["__data__"]["choices"][0].update(message={"__type__": "m"})),
        "response.body.__data__.choices[0].message.__data__: missing: "
        "a typed payload holds both __type__ and __data__",
    ),
    "typed payload with a number for __type__": (
        _stream(lambda d, r: r["body"][0].update(__type__=7)),
        "response.body[0].__type__: expected the SDK class path (a string), got int 7",
    ),
    "typed payload with a third key": (
        _chat(lambda d, r: r["body"].update(note="x")),
        "response.body: a typed payload holds only __type__ and __data__; replay would drop ['note']",
    ),
    "terminator 5": (
        _stream(lambda d, r: r["stream"].update(terminator=5)),
        "response.stream.terminator: expected null or [DONE], got int 5",
    ),
    "unknown event_names": (
        _stream(lambda d, r: r["stream"].update(event_names="sometimes")),
        "response.stream.event_names: expected one of ('none', 'type', 'explicit'), got str \"sometimes\"",
    ),
    "explicit event names without names": (
        _stream(lambda d, r: r["stream"].update(event_names="explicit")),
        'response.body[0]: event_names "explicit" needs {"event": ..., "data": ...}, '
        "got an object with keys ['__data__', '__type__']",
    ),
    "explicit event name that is a number": (
        _stream(lambda d, r: r.update(stream={"event_names": "explicit"}, body=[{"event": 1, "data": {}}])),
        "response.body[0].event: expected a one-line string or null, got int 1",
    ),
    "type-named events without a type": (
        _stream(lambda d, r: r["stream"].update(event_names="type")),
        'response.body[0]: event_names "type" needs each event to be an object with a one-line string "type"',
    ),
    "stream fields on an ndjson body": (
        _stream(lambda d, r: r.update(format="ndjson")),
        "response.stream: only an sse stream has stream fields, not ndjson",
    ),
    "base64 that is not base64": (
        _audio(lambda d, r: r.update(body="not base64!")),
        "response.body: not valid base64 (Only base64 data is allowed)",
    ),
    "size that disagrees with the base64 body": (
        _audio(lambda d, r: r.update(size=5)),
        "response.size: says 5 bytes, but the body decodes to 4",
    ),
    "status 0": (
        _chat(lambda d, r: r.update(status=0)),
        "response.status: 0 is not an HTTP status (100-599)",
    ),
    "status 302": (
        _chat(lambda d, r: r.update(status=302)),
        "response.status: 302 is a redirect: a recording does not keep its Location to follow",
    ),
    "status 101": (
        _chat(lambda d, r: r.update(status=101)),
        "response.status: 101 is an interim response, not an answer to replay",
    ),
    "status true": (
        _chat(lambda d, r: r.update(status=True)),
        "response.status: expected int, got bool true",
    ),
    "is_streaming that contradicts the format": (
        _chat(lambda d, r: r.update(is_streaming=True)),
        "response.is_streaming: says true, but format json is not a stream",
    ),
    "text body that is a list": (
        _chat(lambda d, r: r.update(format="text", body=["a"])),
        'response.body: a text body must be a string, got list ["a"]',
    ),
    "content-type a number": (
        _chat(lambda d, r: r["headers"].update({"content-type": 5})),
        "response.headers.content-type: expected str, got int 5",
    ),
    "content-type over two lines": (
        _chat(lambda d, r: r["headers"].update({"content-type": "application/json\r\nx-a: b"})),
        'response.headers.content-type: expected a one-line string, got str "application/json\\r\\nx-a: b"',
    ),
    "id mapping to a number": (
        _chat(lambda d, r: d.update(id_normalization_mapping={"rec-0123456789ab": 5})),
        "id_normalization_mapping.rec-0123456789ab: expected the real id, got int 5",
    ),
    "id mapping a list": (
        _chat(lambda d, r: d.update(id_normalization_mapping=["a"])),
        '<document>.id_normalization_mapping: expected dict, got list ["a"]',
    ),
    "request url a number": (
        _chat(lambda d, r: d["request"].update(url=5)),
        "request.url: expected str, got int 5",
    ),
    "test_id a list": (
        _chat(lambda d, r: d.update(test_id=[])),
        "<document>.test_id: expected str or null, got list []",
    ),
    "ndjson line holding a line break": (
        _stream(lambda d, r: r.update(format="ndjson", body=["a\nb"], stream={})),
        "response.body[0]: an ndjson line cannot hold a line break",
    ),
}


@pytest.mark.parametrize(("document", "message"), DAMAGE.values(), ids=DAMAGE.keys())
def test_each_kind_of_damage_is_refused_naming_file_and_field(document, message):
    with pytest.raises(RecordingFileError) as info:
        recording.loads(recording.dumps(document), Path("recordings/x.json"))
    assert str(info.value) == f"recordings/x.json: {message}"


def test_the_recordings_written_by_the_example_suite_all_read():
    for path in sorted(EXAMPLES.parent.rglob("*.json")):
        codec.decode_response(recording.loads(path.read_bytes(), path).response)
