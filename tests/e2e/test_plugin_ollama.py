"""Ollama's native API through the ollama SDK (NDJSON streams), recorded from a loopback server and replayed."""

from __future__ import annotations

import textwrap

import pytest

from fakes.inner_suite import PREAMBLE, InnerSuite
from fakes.ollama_server import OllamaServer

pytest.importorskip("ollama")

SUITE = PREAMBLE + textwrap.dedent(
    """
    import ollama

    MODEL = "llama3.2:3b"
    HELLO = [{"role": "user", "content": "Hello llama"}]

    def dump(value):
        return value.model_dump()

    @pytest.mark.llm_recording
    def test_chat():
        client = ollama.Client(host=BASE)
        save("chat", dump(client.chat(model=MODEL, messages=HELLO, stream=False)))
        save("chat_stream", [dump(part) for part in client.chat(model=MODEL, messages=HELLO, stream=True)])

    @pytest.mark.llm_recording
    def test_async_chat_stream():
        async def main():
            parts = await ollama.AsyncClient(host=BASE).chat(model=MODEL, messages=HELLO, stream=True)
            return [dump(part) async for part in parts]
        save("async_chat_stream", asyncio.run(main()))

    @pytest.mark.llm_recording
    def test_generate():
        client = ollama.Client(host=BASE)
        save("generate", dump(client.generate(model=MODEL, prompt="Why is the sky blue?")))
        save("generate_stream", [dump(part) for part in client.generate(model=MODEL, prompt="Hi", stream=True)])

    @pytest.mark.llm_recording
    def test_embed_list_ps():
        client = ollama.Client(host=BASE)
        save("embed", dump(client.embed(model="nomic-embed-text:latest", input=["one", "two"])))
        save("list", dump(client.list()))
        save("ps", dump(client.ps()))

    @pytest.mark.llm_recording
    def test_missing_model():
        with pytest.raises(ollama.ResponseError) as caught:
            ollama.Client(host=BASE).chat(model="missing-model", messages=HELLO, stream=False)
        save("missing_model", {"status": caught.value.status_code, "error": caught.value.error})
    """
)
TESTS = 5


@pytest.fixture
def suite(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, ollama_server: OllamaServer
) -> InnerSuite:
    inner = InnerSuite(pytester, monkeypatch, ollama_server.base_url)
    pytester.makepyfile(test_ollama=SUITE)
    return inner


def test_native_api_records_typed_ndjson_and_replays_offline_equal(suite, ollama_server):
    suite.run("--llm-record=record-missing").assert_outcomes(passed=TESTS)
    live = suite.results()

    assert "".join(part["message"]["content"] for part in live["chat_stream"]) == "Echo: Hello llama"
    assert live["chat"]["message"]["content"] == "Echo: Hello llama"
    assert live["chat_stream"][-1]["done"] and live["chat_stream"][-1]["eval_duration"] == 0
    assert live["generate"]["response"] == "Echo: Why is the sky blue?"
    assert len(live["embed"]["embeddings"]) == 2
    assert [m["model"] for m in live["list"]["models"]] == ["llama3.2:3b", "nomic-embed-text:latest"]
    assert live["missing_model"] == {
        "status": 404,
        "error": 'model "missing-model" not found, try pulling it first',
    }

    files = suite.documents()
    streams = [
        f["response"]
        for f in files.values()
        if f["request"]["endpoint"] == "/api/chat" and f["response"]["is_streaming"]
    ]
    assert streams and all(r["format"] == "ndjson" for r in streams)
    assert {item["__type__"] for r in streams for item in r["body"]} == {"ollama._types.ChatResponse"}
    by_endpoint = {
        f["request"]["endpoint"]: f["response"]["body"]
        for f in files.values()
        if f["response"]["status"] == 200
    }
    assert by_endpoint["/api/embed"]["__type__"] == "ollama._types.EmbedResponse"
    assert by_endpoint["/api/ps"]["__type__"] == "ollama._types.ProcessResponse"
    assert by_endpoint["/api/tags"]["__type__"] == "ollama._types.ListResponse"

    ollama_server.stop()
    suite.forbid_sockets()
    suite.run().assert_outcomes(passed=TESTS)
    assert suite.results() == live


def test_rerecording_changes_no_byte_though_times_and_durations_changed(suite, ollama_server):
    suite.run("--llm-record=record-missing").assert_outcomes(passed=TESTS)
    before = suite.recordings()

    suite.run("--llm-record=rewrite").assert_outcomes(passed=TESTS)

    assert suite.recordings() == before
