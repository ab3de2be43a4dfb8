"""The key computed again from a recorded file gives its name back, whatever the body and key options."""

import json
from pathlib import Path

import pytest

from pytest_llmrec.config import RecordingConfig
from pytest_llmrec.errors import RecordingFileError
from pytest_llmrec.jsonpath import JsonPath
from pytest_llmrec.matching import KeyOptions
from pytest_llmrec.modes import Mode
from pytest_llmrec.storage import key_check
from pytest_llmrec.storage.recording import StoredRequest
from pytest_llmrec.storage.store import Store
from pytest_llmrec.tape import Tape

URL = "https://api.example.com/v1/things?api-version=2024-10&api-key=not-stored"
BOUNDARY = "b0undary"
MULTIPART = (
    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nfine-tune\r\n'
    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n\r\n\x00\x01\r\n'
    f"--{BOUNDARY}--\r\n"
).encode("latin-1")
BODIES = {
    "json": ("application/json", b'{"model": "m", "temperature": 0.70000000000001, "metadata": {"run": 1}}'),
    "json without a content type": (None, b'[{"b": 2, "a": 1.0}]'),
    "text": ("text/plain", b"hello there"),
    "binary": ("application/octet-stream", b"\x89PNG\x00\xff\xfe"),
    "multipart": (f"multipart/form-data; boundary={BOUNDARY}", MULTIPART),
    "form": ("application/x-www-form-urlencoded", b"b=2&a=1&a=0"),
    "no body": (None, b""),
    "big integer": ("application/json", b'{"n": 123456789012345678901234567890}'),
}
OPTIONS = {
    "defaults": {},
    "ignore": {"ignore": (JsonPath.parse("metadata"), JsonPath.parse("[*].a"))},
    "match_host": {"match_host": True},
}


def recorded(tmp_path: Path, content_type, body: bytes, **config) -> Path:
    tape = Tape(RecordingConfig("t.py::test", Mode.RECORD_MISSING, tmp_path, **config), "t.py::test")
    plan = tape.plan("POST", URL, {"content-type": content_type} if content_type else {}, body)
    take = plan.respond(200, [("content-type", "application/json")])
    take.feed(b'{"ok": true}')
    take.finish()
    tape.close(passed=True)
    (path,) = tmp_path.rglob("*.json")
    return path


@pytest.mark.parametrize("options", OPTIONS.values(), ids=OPTIONS.keys())
@pytest.mark.parametrize(("content_type", "body"), BODIES.values(), ids=BODIES.keys())
def test_a_recorded_files_content_gives_its_name_back(tmp_path, content_type, body, options):
    path = recorded(tmp_path, content_type, body, **options)
    document = json.loads(path.read_text())
    found = Store(tmp_path).read(path)

    key_options = key_check.key_options_from(document, "t.py::test", path)

    assert key_options == KeyOptions("t.py::test", **options)
    assert key_check.stored_key(path, found.request, key_options) == key_check.name_key(path)[0]
    assert key_check.mismatch(path, found, key_options) is None


def test_an_edited_body_or_another_scope_is_a_mismatch_naming_the_file(tmp_path):
    path = recorded(tmp_path, *BODIES["json"])
    found = Store(tmp_path).read(path)
    edited = found.__class__(
        found.scope, StoredRequest("POST", URL, {"model": "other"}, "/v1/things"), found.response
    )

    wrong_body = key_check.mismatch(path, edited, KeyOptions("t.py::test"))
    wrong_scope = key_check.mismatch(path, found, KeyOptions("t.py::other"))

    assert wrong_body is not None and wrong_body.path == path and wrong_body.field == "request"
    assert wrong_body.problem.startswith(
        "the file's name no longer matches its content: the request it holds"
    )
    assert wrong_scope is not None and wrong_scope.field == "test_id"
    assert wrong_scope.problem.startswith("recorded for scope 't.py::test', not 't.py::other'")


def test_a_scrubbed_value_or_a_json_body_sent_as_text_cannot_be_keyed_again(tmp_path):
    options = KeyOptions("t.py::test")
    scrubbed = StoredRequest("POST", URL, {"messages": ["key: <OPENAI_API_KEY>"]}, "/v1/things")
    field_scrubbed = StoredRequest("POST", URL, {"user": "<scrubbed>"}, "/v1/things")
    labelled = [
        StoredRequest("POST", URL, {"password": f"<{label}>"}, "/v1/things")
        for label in ("field password", "header api-key", "query subscription-key", "url password")
    ]
    as_json = StoredRequest("POST", URL, {"a": 1}, "/v1/things")

    assert key_check.stored_key(tmp_path, scrubbed, options) is None
    assert key_check.stored_key(tmp_path, field_scrubbed, options) is None
    assert [key_check.stored_key(tmp_path, request, options) for request in labelled] == [None] * 4
    assert key_check.stored_key(tmp_path, as_json, options, sent_as_text=True) is None
    assert key_check.stored_key(tmp_path, as_json, options) is not None


def test_damaged_key_options_or_binary_body_name_the_field(tmp_path):
    bad_bytes = StoredRequest("POST", URL, {"__type__": "bytes", "__data__": "@@@", "size": 3}, "/")
    with pytest.raises(RecordingFileError, match=r"request\.body\.__data__: not base64"):
        key_check.stored_key(tmp_path, bad_bytes, KeyOptions("s"))
    with pytest.raises(RecordingFileError, match=r"key_options\.match_host: expected true or false"):
        key_check.key_options_from({"key_options": {"match_host": "yes"}}, "s", tmp_path)
    with pytest.raises(RecordingFileError, match=r"key_options\.ignore: .*JSON path"):
        key_check.key_options_from({"key_options": {"ignore": ["a..b"]}}, "s", tmp_path)


@pytest.mark.parametrize("options", OPTIONS.values(), ids=OPTIONS.keys())
@pytest.mark.parametrize(("content_type", "body"), BODIES.values(), ids=BODIES.keys())
def test_the_tape_replays_each_recorded_file_after_checking_it(tmp_path, content_type, body, options):
    recorded(tmp_path, content_type, body, **options)
    tape = Tape(RecordingConfig("t.py::test", Mode.REPLAY, tmp_path, **options), "t.py::test")

    plan = tape.plan("POST", URL, {"content-type": content_type} if content_type else {}, body)

    assert plan.replay is not None and json.loads(plan.replay.content) == {"ok": True}


def test_a_json_body_sent_as_text_replays_though_its_file_cannot_tell(tmp_path):
    body = b'{"a": 1}'
    recorded(tmp_path, "text/plain", body)
    tape = Tape(RecordingConfig("t.py::test", Mode.REPLAY, tmp_path), "t.py::test")
    assert tape.plan("POST", URL, {"content-type": "text/plain"}, body).replay is not None
