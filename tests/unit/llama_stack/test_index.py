"""llama-stack recordings: indexed by content, converted for replay, and the seed replayed end to end."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from pytest_llmrec.errors import RecordingFileError, RecordingWarning
from pytest_llmrec.jsonpath import JsonPath
from pytest_llmrec.llama_stack import genai
from pytest_llmrec.llama_stack.convert import to_recording, wire_path
from pytest_llmrec.llama_stack.index import ForeignIndex, ForeignIndexes, find
from pytest_llmrec.normalize import normalize_body
from pytest_llmrec.storage import codec

JSON = "application/json"


def document(url: str, endpoint: str, request_body: dict, test_id: str | None = "t", **response) -> dict:
    request = {
        "method": "POST",
        "url": url,
        "headers": {},
        "body": request_body,
        "endpoint": endpoint,
        "model": request_body.get("model"),
    }
    answer = {"body": {"__type__": "x", "__data__": {"answer": 1}}, "is_streaming": False, **response}
    return {"test_id": test_id, "request": request, "response": answer}


def lookup(indexes, wire, raw: bytes | None, scope: str, ignore=()):
    """find() as the tape calls it: with the request's body normalised as its key sees it."""
    return find(indexes, wire, normalize_body(raw, JSON, ignore), scope, ignore)


def write(folder: Path, name: str, doc: dict) -> Path:
    path = folder / name
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize(
    ("url", "endpoint", "wire"),
    [
        ("https://api.openai.com/v1/v1/chat/completions", "/v1/chat/completions", "/v1/chat/completions"),
        ("https://h/openai/v1/v1/chat/completions", "/v1/chat/completions", "/openai/v1/chat/completions"),
        ("http://localhost:8080/v1/models", "/v1/models", "/models"),
        ("http://localhost:11434/api/ps", "/api/ps", "/api/ps"),
    ],
)
def test_wire_path_undoes_llama_stacks_doubled_v1(url, endpoint, wire):
    assert wire_path(document(url, endpoint, {})) == wire


def test_files_are_found_by_content_whatever_their_names(tmp_path):
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "temperature": 0.7}
    write(
        tmp_path,
        "not-its-hash.json",
        document("https://x/v1/v1/chat/completions", "/v1/chat/completions", body),
    )
    index = ForeignIndex.build(tmp_path)
    live = orjson.dumps({"temperature": 0.7000000000000001, "messages": body["messages"], "model": "m"})

    found = lookup([index], "/v1/chat/completions", live, "t", ())

    assert found is not None and found[0].name == "not-its-hash.json"
    assert lookup([index], "/v1/chat/completions", live, "other test", ()) is None
    assert lookup([index], "/v1/completions", live, "t", ()) is None


def test_files_without_test_id_answer_any_test_that_has_none_of_its_own(tmp_path):
    write(
        tmp_path,
        "legacy.json",
        document("https://x/v1/v1/embeddings", "/v1/embeddings", {"input": "a"}, None),
    )
    found = lookup([ForeignIndex.build(tmp_path)], "/v1/embeddings", b'{"input": "a"}', "any::test", ())
    assert found is not None and found[0].name == "legacy.json"


def test_ignore_paths_apply_to_foreign_recordings(tmp_path):
    body = {"model": "m", "metadata": {"run": 1}}
    write(tmp_path, "a.json", document("https://x/v1/v1/chat/completions", "/v1/chat/completions", body))
    index = ForeignIndex.build(tmp_path)
    live = b'{"model": "m", "metadata": {"run": 2}}'
    assert lookup([index], "/v1/chat/completions", live, "t", ()) is None
    assert lookup([index], "/v1/chat/completions", live, "t", (JsonPath.parse("metadata"),)) is not None


def test_unreplayable_and_duplicate_files_are_reported_not_indexed(tmp_path):
    chat = document("https://x/v1/v1/chat/completions", "/v1/chat/completions", {"model": "m"})
    write(tmp_path, "a.json", chat)
    write(tmp_path, "b.json", chat)
    write(
        tmp_path,
        "tool.json",
        {
            "test_id": "t",
            "request": {"provider": "tavily", "tool_name": "web_search"},
            "response": {"body": {}},
        },
    )
    write(tmp_path, "genai.json", document("vertexai:///embed_content", "/embed_content", {}))
    (tmp_path / "broken.json").write_text("{")
    with pytest.warns(RecordingWarning, match=r"broken\.json: <document>: not valid JSON \(unexpected end"):
        index = ForeignIndex.build(tmp_path)
    assert len(index) == 1
    assert index.shadowed == {tmp_path / "b.json": tmp_path / "a.json"}
    assert (
        index.skipped[tmp_path / "tool.json"] == "records a tool or file-processor call, not an HTTP request"
    )
    assert index.skipped[tmp_path / "genai.json"] == (
        "records google-genai's '/embed_content', which pytest-llmrec does not map to HTTP"
    )
    assert "broken.json" in str(index.skipped) and "unexpected end" in index.skipped[tmp_path / "broken.json"]


def test_a_recorded_exception_becomes_the_providers_http_error_again(tmp_path):
    message = (
        "Error code: 400 - {'error': {'message': 'Invalid base64 image_url.', "
        "'type': 'invalid_request_error', 'param': None, 'code': 'invalid_base64'}}"
    )
    doc = document(
        "https://api.openai.com/v1/v1/chat/completions",
        "/v1/chat/completions",
        {},
        body=None,
        is_exception=True,
        exception_data={
            "type": "BadRequestError",
            "status_code": 400,
            "message": message,
            "body": {"message": "Invalid base64 image_url."},
        },
    )
    response = to_recording(doc, tmp_path / "x.json").response
    assert response.status == 400
    assert response.body == {
        "error": {
            "message": "Invalid base64 image_url.",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_base64",
        }
    }


def test_model_lists_merge_across_files_and_shared_dirs(tmp_path):
    own, common = tmp_path / "own", tmp_path / "common"
    own.mkdir()
    common.mkdir()

    def models(*ids: str) -> dict:
        doc = document("https://x/v1/v1/models", "/v1/models", {}, "t")
        doc["response"]["body"] = [
            {"__type__": "openai.types.model.Model", "__data__": {"id": i, "object": "model"}} for i in ids
        ]
        return doc

    write(own, "models-h-1.json", models("b", "a"))
    write(common, "models-h-2.json", models("c", "a"))
    write(common, "models-h-3.json", {**models("z"), "test_id": None})
    found = lookup([ForeignIndex.build(own), ForeignIndex.build(common)], "/v1/models", None, "t", ())
    assert found is not None
    page = codec.decode_response(found[1].response)
    assert [m["id"] for m in json.loads(page.content)["data"]] == ["a", "b", "c"]


def test_vertex_ai_recordings_match_whatever_the_project_and_location():
    path = "/v1beta1/projects/{}/locations/{}/publishers/google/models/gemini-2.0-flash:generateContent"
    assert genai.match_path(path.format("a", "us-central1")) == genai.match_path(
        path.format("b", "europe-west4")
    )
    assert genai.match_path("/v1/chat/completions") == "/v1/chat/completions"


def test_indexes_are_built_once_per_directory(tmp_path):
    indexes = ForeignIndexes()
    assert indexes[tmp_path] is indexes[tmp_path]


@pytest.mark.parametrize(
    ("damage", "field", "problem"),
    [
        (lambda d: d["request"].update(url=5), "request.url", "expected str or null, got int 5"),
        (lambda d: d["request"].update(endpoint=[]), "request.endpoint", "expected str or null, got list []"),
        (
            lambda d: d["request"]["body"].update(extra_body="x"),
            "request.body.extra_body",
            'expected dict or null, got str "x"',
        ),
        (lambda d: d.update(test_id=3), "<document>.test_id", "expected str or null, got int 3"),
        (lambda d: d.update(response=[]), "<document>.response", "expected dict, got list []"),
    ],
)
def test_a_damaged_file_is_skipped_with_one_warning_and_the_others_still_answer(
    tmp_path, damage, field, problem
):
    chat = document("https://x/v1/v1/chat/completions", "/v1/chat/completions", {"model": "m"})
    write(tmp_path, "good.json", chat)
    broken = json.loads(json.dumps(chat))
    damage(broken)
    bad = write(tmp_path, "bad.json", broken)

    with pytest.warns(RecordingWarning) as warned:
        index = ForeignIndex.build(tmp_path)

    assert [str(w.message) for w in warned if w.category is RecordingWarning] == [
        f"{bad}: {field}: {problem}; this llama-stack recording is skipped"
    ]
    assert index.skipped[bad] == f"{bad}: {field}: {problem}"
    found = lookup([index], "/v1/chat/completions", b'{"model": "m"}', "t")
    assert found is not None and found[0].name == "good.json"


def test_a_damaged_answer_in_a_matching_file_names_the_file_and_field(tmp_path):
    chat = document("https://x/v1/v1/chat/completions", "/v1/chat/completions", {"model": "m"}, status="200")
    path = write(tmp_path, "a.json", chat)
    with pytest.raises(
        RecordingFileError, match=rf"^{path}: response.status: expected int, got str \"200\"$"
    ):
        lookup([ForeignIndex.build(tmp_path)], "/v1/chat/completions", b'{"model": "m"}', "t")
