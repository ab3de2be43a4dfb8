"""Tests of the Ollama test server itself, driven through the real ollama SDK (and raw HTTP)."""

from __future__ import annotations

import asyncio
import json
import math
import re
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import ollama
import pytest

from fakes.ollama_server import MODELS, OllamaServer

CHAT_MODEL = "llama3.2:3b"
EMBED_MODEL = "nomic-embed-text"  # no tag: Ollama reads it as nomic-embed-text:latest
GO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{0,8}[1-9])?Z")  # RFC3339Nano, zeros trimmed
METRICS = ("total_duration", "load_duration", "prompt_eval_duration", "eval_duration")


@pytest.fixture
def client(ollama_server: OllamaServer) -> Iterator[ollama.Client]:
    """A client closed after the test: the SDK's Client has no __enter__, and open sockets leak warnings."""
    client = ollama.Client(host=ollama_server.base_url)
    yield client
    client.close()


def ask(text: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": "Be brief."}, {"role": "user", "content": text}]


def go_time_ns(stamp: str) -> int:
    """Nanoseconds since the epoch: trimmed fractions make Ollama's times unsortable as strings."""
    whole, _, fraction = stamp.removesuffix("Z").partition(".")
    seconds = datetime.strptime(whole, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp()
    return int(seconds) * 10**9 + int(fraction.ljust(9, "0"))


def assert_final(response: Any, prompt_tokens: int, eval_tokens: int) -> None:
    """The closing object carries the counts and the per-call durations a real Ollama reports."""
    assert (response.done, response.done_reason) == (True, "stop")
    assert (response.prompt_eval_count, response.eval_count) == (prompt_tokens, eval_tokens)
    assert all(getattr(response, name) > 0 for name in METRICS)
    assert response.total_duration > response.load_duration + response.eval_duration
    assert GO_TIME.fullmatch(response.created_at)


def test_chat_streams_ndjson_piece_by_piece(ollama_server: OllamaServer, client: ollama.Client) -> None:
    arrivals: list[float] = []
    parts = []
    for part in client.chat(model=CHAT_MODEL, messages=ask("hello there"), stream=True):
        arrivals.append(time.monotonic())
        parts.append(part)

    *pieces, final = parts
    assert [p.message.content for p in pieces] == ["Echo: ", "hello ", "there"]
    assert all(p.done is False and p.message.role == "assistant" and p.model == CHAT_MODEL for p in pieces)
    assert final.message.content == ""
    assert_final(final, 4, 3)  # "Be brief." + "hello there" in; three pieces out
    stamps = [go_time_ns(p.created_at or "") for p in parts]
    assert stamps == sorted(stamps)
    assert arrivals[-1] - arrivals[0] >= (len(parts) - 1) * ollama_server.event_delay * 0.5


def test_chat_without_stream(ollama_server: OllamaServer, client: ollama.Client) -> None:
    response = client.chat(model=CHAT_MODEL, messages=ask("hello there"), stream=False)
    again = client.chat(model=CHAT_MODEL, messages=ask("hello there"), stream=False)

    assert (response.message.role, response.message.content) == ("assistant", "Echo: hello there")
    assert_final(response, 4, 3)
    assert again.message == response.message
    assert again.total_duration != response.total_duration  # durations vary per call like a real machine's
    request = ollama_server.requests[0]
    assert (request.method, request.path) == ("POST", "/api/chat")
    assert request.json is not None and request.json["stream"] is False


def test_raw_chat_streams_by_default(ollama_server: OllamaServer) -> None:
    body = {"model": CHAT_MODEL, "messages": ask("raw call")}  # no "stream": Ollama's default is to stream
    with httpx.stream("POST", f"{ollama_server.base_url}/api/chat", json=body) as response:
        assert response.headers["content-type"] == "application/x-ndjson"
        lines = [json.loads(line) for line in response.iter_lines() if line]

    assert [line["done"] for line in lines] == [False, False, False, True]
    assert "".join(line["message"]["content"] for line in lines) == "Echo: raw call"
    assert set(lines[0]) == {"model", "created_at", "message", "done"}


def test_generate_stream_and_not(ollama_server: OllamaServer, client: ollama.Client) -> None:
    whole = client.generate(model=CHAT_MODEL, prompt="why is the sky blue", stream=False)
    assert whole.response == "Echo: why is the sky blue"
    assert_final(whole, 5, 6)
    assert whole.context and all(isinstance(token, int) for token in whole.context)

    *pieces, final = client.generate(model=CHAT_MODEL, prompt="why is the sky blue", stream=True)
    assert "".join(p.response or "" for p in pieces) == whole.response
    assert len(pieces) == 6 and not any(p.done for p in pieces)
    assert final.response == ""
    assert final.context == whole.context  # deterministic given the request
    assert_final(final, 5, 6)
    assert ollama_server.requests[-1].path == "/api/generate"


def test_embed_is_deterministic_and_unit_length(client: ollama.Client) -> None:
    response = client.embed(model=EMBED_MODEL, input=["first text", "second one here"])
    again = client.embed(model=EMBED_MODEL, input="first text")

    assert response.model == EMBED_MODEL
    first, second = response.embeddings
    assert again.embeddings == [first]
    assert first != second
    assert all(math.isclose(math.hypot(*v), 1.0, rel_tol=1e-6) for v in (first, second))
    assert (response.prompt_eval_count, again.prompt_eval_count) == (5, 2)
    assert response.total_duration and response.load_duration


def test_list_and_ps(client: ollama.Client) -> None:
    listed = client.list()
    assert [m.model for m in listed.models] == [m["model"] for m in MODELS]
    assert all(m.size and m.digest and m.modified_at and m.details for m in listed.models)
    assert client.ps().models == []  # nothing is loaded before its first use

    client.chat(model=CHAT_MODEL, messages=ask("load it"), stream=False)
    client.embed(model=EMBED_MODEL, input="load it too")
    running = client.ps().models
    assert [m.model for m in running] == ["nomic-embed-text:latest", CHAT_MODEL]  # most recent first
    soon = datetime.now(timezone.utc) + timedelta(minutes=5)
    for model in running:
        assert model.expires_at is not None and abs(model.expires_at - soon) < timedelta(seconds=30)
        assert model.size_vram == model.size and model.size
        assert model.details is not None and model.details.format == "gguf"


MISSING = "missing-model"


@pytest.mark.parametrize(
    "call",
    [
        lambda client: client.chat(model=MISSING, messages=ask("hi")),
        lambda client: list(client.chat(model=MISSING, messages=ask("hi"), stream=True)),
        lambda client: list(client.generate(model=MISSING, prompt="hi", stream=True)),
        lambda client: client.embed(model=MISSING, input="hi"),
    ],
    ids=["chat", "chat-stream", "generate-stream", "embed"],
)
def test_unknown_model_is_a_404(client: ollama.Client, call: Callable[[ollama.Client], object]) -> None:
    with pytest.raises(ollama.ResponseError) as raised:
        call(client)  # a stream raises as it is read, hence the list() above
    assert raised.value.status_code == 404
    assert raised.value.error == 'model "missing-model" not found, try pulling it first'


def test_async_client(ollama_server: OllamaServer) -> None:
    async def main() -> None:
        client = ollama.AsyncClient(host=ollama_server.base_url)
        response = await client.chat(model=CHAT_MODEL, messages=ask("async hi"))
        assert response.message.content == "Echo: async hi"

        stream = await client.chat(model=CHAT_MODEL, messages=ask("async hi"), stream=True)
        pieces = [part.message.content or "" async for part in stream]
        assert "".join(pieces) == "Echo: async hi"

        generated = await client.generate(model=CHAT_MODEL, prompt="async prompt")
        assert generated.response == "Echo: async prompt"
        embedded = await client.embed(model=EMBED_MODEL, input="async text")
        assert len(embedded.embeddings) == 1
        await client.close()

    asyncio.run(main())
