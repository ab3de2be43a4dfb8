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
