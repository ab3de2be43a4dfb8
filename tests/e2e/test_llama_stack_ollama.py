"""llama-stack's older Ollama-native recordings replay through the ollama SDK, as a user's suite calls it.

The files (tests/data/llama_stack/_historical_ollama, see its SOURCE.md) hold the SDK's keyword
arguments and ``ollama._types`` objects. The inner suite calls the current SDK, sync and async, with
those arguments and compares what it returns with the recorded objects, with sockets forbidden.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("ollama")

HISTORICAL = Path(__file__).resolve().parents[1] / "data" / "llama_stack" / "_historical_ollama"
RESPONSES = HISTORICAL / "tests" / "integration" / "recordings" / "responses"

SUITE = textwrap.dedent(
    """
    import asyncio, json, pathlib, socket
    import ollama, pytest

    HOST = "http://localhost:11434"
    FILES = pathlib.Path(__file__).parent / "recordings" / "responses"

    def recorded(name):
        document = json.loads((FILES / name).read_text())
        body = document["response"]["body"]
        data = [item["__data__"] for item in body] if isinstance(body, list) else body["__data__"]
        return document["request"]["body"], data

    def same(obj, data):
        dumped = obj.model_dump(mode="json")
        return {key: dumped.get(key) for key in data} == data

    @pytest.fixture(autouse=True)
    def no_sockets(monkeypatch):
        def refuse(self, address):
            raise AssertionError(f"replay opened a socket to {address}")
        monkeypatch.setattr(socket.socket, "connect", refuse)

    @pytest.fixture(params=["sync", "async"])
    def call(request):
        if request.param == "sync":
            client = ollama.Client(host=HOST)
            return lambda method, **kwargs: _collect(getattr(client, method)(**kwargs))
        async def run(method, **kwargs):
            result = await getattr(ollama.AsyncClient(host=HOST), method)(**kwargs)
            if kwargs.get("stream"):
                return [chunk async for chunk in result]
            return result
        return lambda method, **kwargs: asyncio.run(run(method, **kwargs))

    def _collect(result):
        return result if not hasattr(result, "__next__") else list(result)

    pytestmark = pytest.mark.llm_recording(shared_dirs=["recordings/responses"])

    def test_generate(call):
        arguments, data = recorded("14a28ebc8a2c.json")
        assert same(call("generate", **arguments), data)

    def test_generate_streams_ndjson_event_by_event(call):
        arguments, data = recorded("0ff78129bb3a.json")
        chunks = call("generate", **arguments)
        assert len(chunks) == len(data) == 8
        assert all(same(chunk, event) for chunk, event in zip(chunks, data))
        assert "".join(chunk.response for chunk in chunks) == "How can I assist you further?"

    def test_chat_streamed_matches_what_the_sdk_now_sends(call):
        arguments, data = recorded("c0n57ruc7ed1.json")  # recorded without "tools": [], sent with it
        chunks = call("chat", **arguments)
        assert [chunk.message.content for chunk in chunks] == [e["message"]["content"] for e in data]
        assert chunks[-1].done and chunks[-1].eval_count == 8

    def test_embed_filed_under_api_embeddings(call):
        arguments, data = recorded("1cb154e4c11f.json")
        response = call("embed", **arguments)
        assert response.embeddings == data["embeddings"]
        assert response.prompt_eval_count == 2

    def test_list(call):
        _, data = recorded("4a3a4447b16b.json")
        assert [m.model for m in call("list").models] == [m["model"] for m in data["models"]]
    """
)


def test_ollama_native_recordings_replay_through_the_sdk(pytester: pytest.Pytester) -> None:
    shutil.copytree(RESPONSES, pytester.path / "recordings" / "responses")
    before = sorted(p.name for p in (pytester.path / "recordings").rglob("*"))
    pytester.makepyfile(test_ollama_native=SUITE)

    result = pytester.runpytest("-p", "no:cacheprovider", "--strict-markers")

    result.assert_outcomes(passed=10)
    assert "llmrec: 10 replayed, 0 sent live" in result.stdout.str()
    assert sorted(p.name for p in (pytester.path / "recordings").rglob("*")) == before  # nothing written


def test_a_streamed_ollama_recording_is_sent_as_ndjson(pytester: pytest.Pytester) -> None:
    """What the SDK reads off the wire: one JSON object per line, no SSE framing."""
    shutil.copytree(RESPONSES, pytester.path / "recordings" / "responses")
    pytester.makepyfile(
        test_raw=textwrap.dedent(
            """
            import json, httpx, pytest

            @pytest.mark.llm_recording(shared_dirs=["recordings/responses"])
            def test_raw():
                body = json.loads(open("recordings/responses/0ff78129bb3a.json").read())["request"]["body"]
                with httpx.stream("POST", "http://localhost:11434/api/generate", json=body) as response:
                    assert response.headers["content-type"] == "application/x-ndjson"
                    lines = [json.loads(line) for line in response.iter_lines() if line]
                assert [line["response"] for line in lines][:3] == ["How", " can", " I"]
                assert lines[-1]["done"] is True
            """
        )
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
