"""cassettes.importer: hand-made cassettes of every shape converted, and what cannot be converted said why."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import pytest
import yaml

from pytest_llmrec.cassettes.importer import import_cassettes
from pytest_llmrec.cli import main
from pytest_llmrec.storage import encodings

URL = "http://127.0.0.1:9/v1/responses"


def _pair(body: object, answer: object, status: int = 200, headers: dict | None = None) -> dict:
    return {
        "request": {
            "method": "POST",
            "uri": URL,
            "body": json.dumps(body),
            "headers": {
                "Content-Type": ["application/json"],
                "Authorization": ["Bearer sk-hidden-0123456789ab"],
            },
        },
        "response": {
            "status": {"code": status, "message": ""},
            "headers": headers or {"Content-Type": ["application/json"]},
            "body": {"string": answer if isinstance(answer, (str, bytes)) else json.dumps(answer)},
        },
    }


def _write(path: Path, pairs: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"version": 1, "interactions": pairs}))
    return path


def _documents(folder: Path) -> list[dict]:
    return [json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))]


FIRST = {"id": "resp_0123456789abcdef", "object": "response", "output": [], "created_at": 1700000000}


def test_an_id_an_earlier_answer_gave_is_keyed_as_the_replayed_test_sends_it(tmp_path):
    """The test replays the first answer with a stable id and sends that id back: so must the import."""
    second = {"model": "m", "input": "more", "previous_response_id": FIRST["id"]}
    cassette = _write(
        tmp_path / "test_chain.yaml",
        [
            _pair({"model": "m", "input": "hi"}, FIRST),
            _pair(second, {**FIRST, "id": "resp_fedcba9876543210"}),
        ],
    )

    outcome = import_cassettes(cassette)

    assert len(outcome.written) == 2 and not outcome.skipped
    first, chained = sorted(_documents(tmp_path / "test_chain"), key=lambda d: "previous" in json.dumps(d))
    body = first["response"]["body"]
    stable = body.get("__data__", body)["id"]  # typed as the SDK's Response, or plain
    assert stable.startswith("rec-")
    assert chained["request"]["body"]["previous_response_id"] == stable
    assert all("sk-hidden" not in json.dumps(doc) for doc in (first, chained))


def test_what_cannot_be_converted_is_skipped_with_its_reason(tmp_path):
    source = tmp_path / "cassettes"
    _write(source / "m" / "test_redirect.yaml", [_pair({"a": 1}, "", 302, {"Location": ["/elsewhere"]})])
    (source / "m" / "compose.yaml").write_text("services: {}\n")
    (source / "m" / "broken.yaml").write_text(
        yaml.safe_dump({"interactions": [{**_pair({}, {}), "response": {"status": {"code": "x"}}}]})
    )
    (source / "m" / "notes.json").write_text("[1, 2]")

    outcome = import_cassettes(source)

    reasons = {path.name: reason for path, reason in outcome.skipped}
    assert (
        reasons["compose.yaml"] == "not a VCR.py cassette: no 'interactions' (nor 'requests' and 'responses')"
    )
    assert (
        reasons["broken.yaml"]
        == "unreadable: interactions[0].response.status.code: 'x' is not an HTTP status code"
    )
    assert reasons["notes.json"] == "not a VCR.py cassette"
    assert reasons["test_redirect.yaml"].startswith(
        f"interactions[0].response: POST {URL}: not recorded: the answer was 302, a redirect"
    )
    assert outcome.written == [] and [path.name for path in outcome.cassettes] == ["test_redirect.yaml"]


def test_gzipped_binary_and_list_form_cassettes_convert_into_a_mirrored_destination(tmp_path):
    source = tmp_path / "cassettes"
    answer = {"id": "x", "object": "list", "data": [1]}
    packed = source / "a" / "test_packed.yaml.gz"
    packed.parent.mkdir(parents=True)
    coded = gzip.compress(json.dumps(answer).encode())
    headers = {"Content-Encoding": ["gzip"], "Content-Type": ["application/json"]}
    packed.write_bytes(
        gzip.compress(yaml.safe_dump({"interactions": [_pair({"q": 1}, coded, 200, headers)]}).encode())
    )
    lists = source / "b" / "test_lists.yaml"
    lists.parent.mkdir(parents=True)
    pair = _pair({"q": 2}, answer)
    lists.write_text(yaml.safe_dump({"requests": [pair["request"]], "responses": [pair["response"]]}))

    outcome = import_cassettes(source, tmp_path / "out")

    assert sorted(path.relative_to(tmp_path / "out").parent.as_posix() for path in outcome.written) == [
        "a/test_packed",
        "b/test_lists",
    ]
    (unpacked,) = _documents(tmp_path / "out" / "a" / "test_packed")
    assert unpacked["response"]["body"] == answer and unpacked["request"]["body"] == {"q": 1}
    assert not (source / "a" / "test_packed").exists()  # a destination was named: nothing in place


def test_a_single_cassette_file_imports_and_says_the_yaml_can_go(tmp_path, capsys):
    cassette = _write(tmp_path / "test_one.yaml", [_pair({"q": 1}, {"ok": True})])
    binary = base64.b64encode(b"\xff\x00").decode()
    _write(tmp_path / "test_bin.yaml", [_pair({"q": 2}, "x")])
    text = (tmp_path / "test_bin.yaml").read_text().replace("string: x", f"string: !!binary {binary}")
    (tmp_path / "test_bin.yaml").write_text(text)

    assert main(["import", str(cassette)]) == 0
    assert main(["import", str(tmp_path / "test_bin.yaml")]) == 0

    out = capsys.readouterr().out
    assert f"{cassette}: 1 cassette(s)" in out and "they can be deleted" in out
    (document,) = _documents(tmp_path / "test_bin")
    assert (
        document["response"]["format"] == "base64"
        and base64.b64decode(document["response"]["body"]) == b"\xff\x00"
    )
    assert cassette.exists()


@pytest.mark.skipif(encodings.brotli_module() is None, reason="brotli is not installed")
def test_a_brotli_body_is_stored_decoded(tmp_path):
    answer = {"object": "list", "data": [0.5]}
    coded = encodings.brotli_module().compress(json.dumps(answer).encode())
    headers = {"content-encoding": ["br"], "Content-Type": ["application/json"]}
    cassette = _write(tmp_path / "test_br.yaml", [_pair({"q": 3}, coded, 200, headers)])

    assert len(import_cassettes(cassette).written) == 1

    (document,) = _documents(tmp_path / "test_br")
    assert document["response"]["body"] == answer and document["response"]["format"] == "json"
