"""A pytest-recording suite and its cassettes, recorded by VCR.py for real, then switched to pytest-llmrec.

The inner project is what a team has before switching: ``@pytest.mark.vcr`` tests, a conftest whose
``vcr_config`` filters headers, and YAML cassettes in ``cassettes/<module>/``. They are recorded
by VCR.py itself, without pytest-llmrec (its conftest plays pytest-recording's part: the same
cassette paths, ``use_cassette`` around each marked test). Then, with the servers stopped, it runs
on pytest-llmrec three ways: on the cassettes; after ``llmrec import cassettes`` with the YAML
deleted; and each time every test passes and the SDKs return the same answers as when recording.
"""

from __future__ import annotations

import json
import textwrap

import pytest

from fakes.anthropic_server import AnthropicServer
from fakes.inner_suite import PREAMBLE
from pytest_llmrec.cli import main
from unit.cassettes.encoded_server import ANSWER, EncodedServer

pytest.importorskip("anthropic")

KEY = "sk-" + "proj-" + "Zq3xVb7Nc1Lm5Rt9Yw2Ke4Hu6Jd8Pa0Sf"  # built, so this file holds no key shape

CONFTEST = textwrap.dedent(
    """
    import os, pathlib
    import pytest

    @pytest.fixture
    def vcr_config():
        return {"filter_headers": ["authorization", "x-api-key"]}

    @pytest.fixture(autouse=True)
    def record_with_vcrpy(request):
        \"\"\"pytest-recording's part while the cassettes are made: use_cassette at its paths.\"\"\"
        marker = request.node.get_closest_marker("vcr")
        if not os.environ.get("RECORD_WITH_VCRPY") or marker is None:
            yield
            return
        import vcr
        folder = pathlib.Path(request.node.path).parent / "cassettes" / pathlib.Path(request.node.path).stem
        name = (f"{request.cls.__name__}." if request.cls else "") + request.node.name
        for character in "<>?%*:|\\"'/\\\\":  # replaced as pytest-recording replaces them
            name = name.replace(character, "-")
        path = folder / (marker.args[0] if marker.args else f"{name}.yaml")
        with vcr.VCR(filter_headers=["authorization", "x-api-key"]).use_cassette(str(path)):
            yield
    """
)

SUITE = PREAMBLE + textwrap.dedent(
    f"""
    import anthropic, openai, requests

    ANTHROPIC = os.environ["ANTHROPIC_BASE"]
    ENCODED = os.environ["ENCODED_BASE"]

    def client():
        return openai.OpenAI(base_url=BASE, api_key="{KEY}", max_retries=2)

    def ask(text, model="gpt-4o-mini"):
        answer = client().chat.completions.create(model=model, messages=[{{"role": "user", "content": text}}])
        return answer.choices[0].message.content

    @pytest.mark.vcr
    def test_chat():
        save("chat", ask("hello"))

    @pytest.mark.vcr
    def test_stream():
        chunks = client().chat.completions.create(
            model="gpt-4o-mini", messages=[{{"role": "user", "content": "stream me"}}], stream=True
        )
        save("stream", [c.choices[0].delta.content for c in chunks if c.choices])

    @pytest.mark.vcr
    def test_retry_after_a_rate_limit():
        save("retry", ask("again", model="flaky-429"))

    @pytest.mark.vcr
    def test_two_bodies_one_url():
        save("two", [ask("first"), ask("second")])

    @pytest.mark.vcr
    def test_anthropic_stream():
        with anthropic.Anthropic(base_url=ANTHROPIC, api_key="{KEY}", max_retries=0).messages.stream(
            model="claude-sonnet-4-6", max_tokens=64, messages=[{{"role": "user", "content": "Hello Claude"}}]
        ) as stream:
            save("anthropic", list(stream.text_stream))

    @pytest.mark.vcr
    def test_gzip():
        save("gzip", requests.post(ENCODED + "/gzip", json={{"q": 1}}).json())

    @pytest.mark.vcr
    def test_gzip_other_clients():
        import aiohttp, httpx
        async def fetch():
            async with aiohttp.ClientSession() as session:
                async with session.post(ENCODED + "/gzip", json={{"q": 2}}) as response:
                    return await response.json()
        # httpx's cassette keeps the body compressed, aiohttp's keeps it decoded under the same header
        save("gzip-others", [httpx.post(ENCODED + "/gzip", json={{"q": 3}}).json(), asyncio.run(fetch())])

    @pytest.mark.vcr("shared.yaml")
    def test_shared():
        save("shared", ask("shared"))

    @pytest.mark.vcr
    def test_responses_stream_then_chained():
        events = list(client().responses.create(model="gpt-4o-mini", input="Say hi", stream=True))
        first = events[-1].response
        again = client().responses.create(model="gpt-4o-mini", input="And again", previous_response_id=first.id)
        save("responses", [[event.type for event in events], first.output_text, again.output_text])

    class TestEmbeddings:
        @pytest.mark.vcr
        @pytest.mark.parametrize("text", ["short", "a longer: text?"], ids=["short", "long/one"])
        def test_embed(self, text):
            vector = client().embeddings.create(model="text-embedding-3-small", input=text).data[0].embedding
            save("embed-" + text[:5], [round(x, 6) for x in vector])
    """
)

TESTS = 11


@pytest.fixture
def project(inner, monkeypatch, openai_server):
    """The inner suite with its cassettes recorded by VCR.py alone, then every server stopped."""
    with AnthropicServer() as anthropic_server, EncodedServer() as encoded_server:
        monkeypatch.setenv("ANTHROPIC_BASE", anthropic_server.base_url)
        monkeypatch.setenv("ENCODED_BASE", encoded_server.base_url)
        inner.pytester.makeconftest(CONFTEST)
        inner.pytester.makeini("[pytest]\nmarkers =\n    vcr: pytest-recording's marker\n")
        inner.pytester.makepyfile(test_llm=SUITE)
        monkeypatch.setenv("RECORD_WITH_VCRPY", "1")
        inner.run("-p", "no:llmrec").assert_outcomes(passed=TESTS)
        monkeypatch.delenv("RECORD_WITH_VCRPY")
        recorded = inner.results()
    openai_server.stop()
    return inner, recorded


def test_a_vcrpy_suite_replays_on_its_cassettes_then_on_the_imported_files_alone(project, capsys):
    inner, recorded = project
    cassettes = inner.pytester.path / "cassettes"
    yaml_files = sorted(cassettes.rglob("*.yaml"))
    assert len(yaml_files) == TESTS  # one per test, shared.yaml for test_shared
    assert recorded["gzip"] == ANSWER and recorded["chat"] == "Echo: hello"
    assert recorded["two"] == ["Echo: first", "Echo: second"] and recorded["retry"] == "Echo: again"

    inner.run("--record-mode=none", "--block-network").assert_outcomes(passed=TESTS)
    assert inner.results() == recorded

    assert main(["import", str(cassettes)]) == 0
    out = capsys.readouterr().out
    assert f"{cassettes}: {TESTS} cassette(s)" in out
    assert f"converted:  {TESTS} cassette(s), 15 recording(s) written beside each cassette" in out
    assert "can be deleted" in out and all(path.exists() for path in yaml_files)  # never deleted by import
    for path in yaml_files:
        path.unlink()

    inner.run("--record-mode=none", "--block-network").assert_outcomes(passed=TESTS)
    after = inner.results()
    assert after["gzip"]["id"].startswith("rec-")  # provider ids are stable in native files
    assert recorded["gzip-others"] == [ANSWER, ANSWER]
    assert [{**answer, "id": answer["id"][:4]} for answer in after["gzip-others"]] == [
        {**ANSWER, "id": "rec-"}
    ] * 2
    ids = {"gzip": {**after["gzip"], "id": ANSWER["id"]}, "gzip-others": recorded["gzip-others"]}
    assert {**after, **ids} == recorded

    with pytest.raises(SystemExit) as stopped:  # nothing left to convert
        main(["import", str(cassettes)])
    assert stopped.value.code == 2
    assert f"{cassettes} holds no VCR.py cassette, so nothing to convert in place" in capsys.readouterr().err


def test_import_is_idempotent_and_never_overwrites(project, capsys):
    inner, _ = project
    cassettes = inner.pytester.path / "cassettes"
    assert main(["import", str(cassettes)]) == 0
    capsys.readouterr()

    assert main(["import", str(cassettes)]) == 0
    out = capsys.readouterr().out
    assert "unchanged:  15 recording(s) already there, identical" in out
    assert "converted:  0 cassette(s), 0 recording(s) written" in out
    assert "native:     15 recording file(s) among the sources, left alone" in out

    victim = next(cassettes.rglob("test_chat/*.json"))
    victim.write_text(victim.read_text().replace("Echo: hello", "Echo: changed"))
    before = victim.read_bytes()
    assert main(["import", str(cassettes)]) == 1
    captured = capsys.readouterr()
    assert f"CONFLICT:   {victim} exists with different content; not overwritten" in captured.err
    assert "unchanged:  14 recording(s) already there, identical" in captured.out
    assert victim.read_bytes() == before


def test_imported_files_are_typed_streamed_and_scrubbed(project, capsys):
    inner, _ = project
    cassettes = inner.pytester.path / "cassettes"
    assert main(["import", str(cassettes)]) == 0
    documents = {path: json.loads(path.read_text()) for path in cassettes.rglob("*.json")}

    assert all(KEY not in json.dumps(document) for document in documents.values())
    folders = sorted({path.parent.name for path in documents})
    assert folders == [
        "TestEmbeddings.test_embed[long-one]",
        "TestEmbeddings.test_embed[short]",
        "shared",
        "test_anthropic_stream",
        "test_chat",
        "test_gzip",
        "test_gzip_other_clients",
        "test_responses_stream_then_chained",
        "test_retry_after_a_rate_limit",
        "test_stream",
        "test_two_bodies_one_url",
    ]
    (stream,) = [doc for path, doc in documents.items() if path.parent.name == "test_stream"]
    assert stream["response"]["format"] == "sse" and len(stream["response"]["body"]) > 2
    assert stream["response"]["body"][0]["__type__"].endswith("ChatCompletionChunk")
    assert stream["request"]["body"]["messages"] == [{"role": "user", "content": "stream me"}]
    (gzipped,) = [doc for path, doc in documents.items() if path.parent.name == "test_gzip"]
    assert gzipped["response"]["body"] == {**ANSWER, "id": gzipped["response"]["body"]["id"]}
    retries = [
        doc["response"]["status"] for p, doc in documents.items() if p.parent.name.startswith("test_retry")
    ]
    assert sorted(retries) == [200, 429]
    chain = [
        doc for path, doc in documents.items() if path.parent.name == "test_responses_stream_then_chained"
    ]
    (streamed,) = [doc for doc in chain if doc["response"]["format"] == "sse"]
    (chained,) = [doc for doc in chain if doc["response"]["format"] == "json"]
    completed = streamed["response"]["body"][-1]
    assert chained["request"]["body"]["previous_response_id"] == completed["__data__"]["response"]["id"]
    assert completed["__data__"]["response"]["id"].startswith("rec-")
