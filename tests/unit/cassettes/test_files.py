"""cassettes.files: cassettes VCR.py wrote, read back as VCR.py reads them, and every bad file named with its field."""

from __future__ import annotations

import gzip
import json
import string

import httpx
import pytest
import requests
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vcr.serialize import deserialize
from vcr.serializers import jsonserializer, yamlserializer

from pytest_llmrec.cassettes.files import read_cassette, read_interactions
from pytest_llmrec.errors import RecordingFileError
from unit.cassettes.encoded_server import ANSWER, EncodedServer, record

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "What's the Sun in latin?"}]}


@pytest.fixture
def encoded_server():
    with EncodedServer() as server:
        yield server


def _two_calls(openai_server, encoded_server, second="/gzip"):
    def calls():
        requests.post(openai_server.base_url + "/chat/completions", json=CHAT, headers={"X-Trace": "a"})
        httpx.post(encoded_server.base_url + second, json={"q": 1})

    return calls


def _same(ours, theirs):
    """Our reading equals VCR.py's own, request by request and response by response."""
    assert [(r.method, r.uri, r.body, dict(r.headers)) for r in ours[0]] == [
        (r.method, r.uri, r.body, dict(r.headers)) for r in theirs[0]
    ]
    assert ours[1] == theirs[1]


@pytest.mark.parametrize("serializer", ["yaml", "json"])
def test_a_cassette_vcrpy_recorded_reads_as_vcrpy_reads_it(
    tmp_path, openai_server, encoded_server, serializer
):
    path = tmp_path / f"test_chat.{serializer}"
    # VCR.py's JSON serializer cannot hold a binary body: the JSON cassette's second answer is a stream
    second = "/gzip" if serializer == "yaml" else "/sse"
    record(path, _two_calls(openai_server, encoded_server, second), serializer=serializer)
    module = yamlserializer if serializer == "yaml" else jsonserializer

    requests_, responses = read_cassette(path)

    _same((requests_, responses), deserialize(path.read_text(), module))
    assert [r.uri for r in requests_] == [
        openai_server.base_url + "/chat/completions",
        encoded_server.base_url + second,
    ]
    assert json.loads(requests_[0].body) == CHAT
    assert requests_[0].headers["x-trace"] == "a"  # header names in any case
    assert json.loads(responses[0]["body"]["string"])["choices"][0]["message"]["content"] == (
        "The Latin name of the Sun is Sol."
    )
    if serializer == "json":
        assert responses[1]["body"]["string"].endswith(b"data: [DONE]\n\n")
        return
    assert gzip.decompress(responses[1]["body"]["string"]) == json.dumps(ANSWER).encode()


def test_a_gzipped_cassette_reads_like_the_plain_one(tmp_path, openai_server, encoded_server):
    plain = tmp_path / "test_chat.yaml"
    record(plain, _two_calls(openai_server, encoded_server))
    packed = tmp_path / "test_chat.yaml.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))

    _same(read_cassette(packed), read_cassette(plain))


def test_the_requests_and_responses_lists_pair_up(tmp_path, openai_server, encoded_server):
    plain = tmp_path / "test_chat.yaml"
    record(plain, _two_calls(openai_server, encoded_server))
    data = yaml.safe_load(plain.read_text())
    lists = tmp_path / "lists.yaml"
    lists.write_text(
        yaml.safe_dump(
            {
                "requests": [pair["request"] for pair in data["interactions"]],
                "responses": [pair["response"] for pair in data["interactions"]],
            }
        )
    )

    _same(read_cassette(lists), read_cassette(plain))
    assert read_interactions(lists).fields == ["responses[0]", "responses[1]"]
    assert read_interactions(plain).fields == ["interactions[0].response", "interactions[1].response"]


OLD = """\
interactions:
- request:
    body: !!python/unicode '{"model": "m"}'
    headers:
      content-type: [!!python/str application/json]
    method: !!python/unicode POST
    uri: http://127.0.0.1:9/v1/chat/completions
  response:
    body: {string: !!binary "H4sIAAAAAAACA6tWys9WslIoKSpNrQUAxhmrFwwAAAA="}
    headers:
      Content-Encoding: [gzip]
    status: {code: 200, message: OK}
- request:
    body: !!python/bytes "eyJrIjogMX0="
    headers: {}
    method: POST
    uri: http://127.0.0.1:9/v1/embeddings
  response:
    body: {string: ok}
    headers: {}
    status: {code: '201', message: Created}
version: 1
"""


def test_old_tags_and_binary_bodies_read_without_an_unsafe_loader(tmp_path):
    path = tmp_path / "old.yaml"
    path.write_text(OLD)

    (first, second), (answer, created) = read_cassette(path)

    assert (first.method, first.body, first.headers["Content-Type"]) == (
        "POST",
        b'{"model": "m"}',
        "application/json",
    )
    assert second.body == b'{"k": 1}'
    assert gzip.decompress(answer["body"]["string"]) == b'{"ok": true}'
    assert answer["headers"] == {"Content-Encoding": ["gzip"]}
    assert created == {
        "status": {"code": 201, "message": "Created"},
        "headers": {},
        "body": {"string": b"ok"},
    }


def test_a_python_object_tag_is_refused_and_never_run(tmp_path):
    path = tmp_path / "evil.yaml"
    marker = tmp_path / "ran"
    path.write_text(f"interactions: !!python/object/apply:os.system ['touch {marker}']\n")

    with pytest.raises(RecordingFileError) as caught:
        read_cassette(path)

    assert not marker.exists()
    assert caught.value.field == "<document>"
    assert "python/object/apply:os.system" in caught.value.problem
    assert caught.value.problem.endswith(
        "; pytest-llmrec never constructs Python objects from a cassette at line 1, column 15"
    )


def _interaction(code: object = 200) -> dict[str, object]:
    return {
        "request": {"method": "GET", "uri": "http://h/x", "body": None, "headers": {}},
        "response": {"status": {"code": code, "message": "OK"}, "headers": {}, "body": {"string": ""}},
    }


@pytest.mark.parametrize(
    ("document", "field", "problem"),
    [
        (
            {"interactions": [_interaction(), _interaction("two hundred")]},
            "interactions[1].response.status.code",
            "'two hundred' is not an HTTP status code",
        ),
        (
            {"interactions": [{"request": {"uri": "http://h/"}, "response": {}}]},
            "interactions[0].request.method",
            "missing",
        ),
        ({"interactions": [{"request": _interaction()["request"]}]}, "interactions[0].response", "missing"),
        ({"interactions": {"a": 1}}, "interactions", "a mapping, not a list"),
        (
            {"requests": [], "responses": [{}]},
            "responses",
            "1 responses for 0 requests: the lists must pair up",
        ),
        (
            {"version": 1},
            "<document>",
            "not a VCR.py cassette: no 'interactions' (nor 'requests' and 'responses')",
        ),
        (
            {
                "interactions": [
                    {**_interaction(), "response": {"status": {"code": 200}, "headers": {"a": [{}]}}}
                ]
            },
            "interactions[0].response.headers.a",
            "a mapping, not a header value",
        ),
        (
            {
                "interactions": [
                    {**_interaction(), "response": {"status": {"code": 200}, "body": {"string": 5}}}
                ]
            },
            "interactions[0].response.body",
            "a int, not a string or binary body",
        ),
    ],
)
def test_a_bad_cassette_names_the_file_and_the_field(tmp_path, document, field, problem):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))

    with pytest.raises(RecordingFileError) as caught:
        read_cassette(path)

    assert str(caught.value) == f"{path}: {field}: {problem}"


def test_a_broken_file_names_what_is_broken(tmp_path):
    truncated = tmp_path / "cut.yaml.gz"
    truncated.write_bytes(gzip.compress(b"interactions: []\n")[:12])
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"interactions: ['\xe9']\n")
    unclosed = tmp_path / "unclosed.yaml"
    unclosed.write_text("interactions: [\n")

    problems = {}
    for path in (truncated, latin, unclosed):
        with pytest.raises(RecordingFileError) as caught:
            read_cassette(path)
        problems[path.name] = (caught.value.field, caught.value.problem)

    assert problems["cut.yaml.gz"][0] == "<file>" and problems["cut.yaml.gz"][1].startswith(
        "not a whole gzip file"
    )
    assert problems["latin.yaml"] == ("<file>", "not UTF-8 text (byte 16)")
    assert problems["unclosed.yaml"][0] == "<document>"
    assert problems["unclosed.yaml"][1].startswith("not a readable YAML cassette: ")


def test_an_empty_file_holds_no_interaction_as_vcrpy_treats_it(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("\n")
    assert read_cassette(path) == ([], [])


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 1000),
    st.text(string.printable, max_size=8),
    st.binary(max_size=8),
)
KEYS = st.sampled_from(
    [
        "interactions",
        "request",
        "response",
        "requests",
        "responses",
        "method",
        "uri",
        "body",
        "headers",
        "status",
        "code",
        "message",
        "string",
        "version",
        "x",
    ]
)
TREES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    document=st.one_of(
        TREES.map(lambda tree: yaml.dump(tree).encode()),
        st.builds(lambda tree: yaml.dump({"interactions": [tree]}).encode(), TREES),
        st.text(max_size=60).map(str.encode),
        st.binary(max_size=60),
    ),
    name=st.sampled_from(["c.yaml", "c.json", "c.yaml.gz"]),
    packed=st.booleans(),
)
def test_any_file_gives_a_cassette_or_a_recording_file_error(tmp_path, document, name, packed):
    path = tmp_path / name
    path.write_bytes(gzip.compress(document) if packed else document)
    try:
        found = read_interactions(path)
    except RecordingFileError as error:
        assert error.path == path and error.field
    else:
        assert len(found.requests) == len(found.responses) == len(found.fields)


class _Reversed:
    """A serializer a user registered on VCR.py: JSON written backwards."""

    @staticmethod
    def deserialize(text):
        return json.loads(text[::-1])

    @staticmethod
    def serialize(data):
        return json.dumps(data)[::-1]


def test_the_drop_in_persister_reads_vcrpys_serializers_and_a_users_own(
    tmp_path, openai_server, encoded_server
):
    from pytest_llmrec.dropin.vcr_options import CassetteFiles

    plain = tmp_path / "c.json"
    record(plain, _two_calls(openai_server, encoded_server, "/sse"), serializer="json")
    backwards = tmp_path / "c.rev"
    backwards.write_text(plain.read_text()[::-1])
    shared = tmp_path / "shared.yaml"
    record(shared, _two_calls(openai_server, encoded_server))

    _same(CassetteFiles([]).load_cassette(str(plain), jsonserializer), read_cassette(plain))
    _same(CassetteFiles([]).load_cassette(str(backwards), _Reversed()), read_cassette(plain))
    both = CassetteFiles([shared]).load_cassette(str(plain), jsonserializer)
    assert len(both[0]) == 4 and both[1][2:] == read_cassette(shared)[1]  # extras follow the test's own

    backwards.write_text("not json, backwards or not")
    with pytest.raises(RecordingFileError) as caught:
        CassetteFiles([]).load_cassette(str(backwards), _Reversed())
    assert caught.value.field == "<document>" and caught.value.problem.startswith(
        "its serializer cannot read it"
    )
