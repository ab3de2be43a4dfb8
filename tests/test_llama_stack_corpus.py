"""Conformance: every llama-stack recording a client can send replays, unchanged, through the real SDK.

For each file the recorded request is sent by the SDK that made it (openai, ollama,
anthropic; httpx for llama-stack's raw HTTP recordings), sync and async, in replay
mode against the recordings directory as it is. What comes back must equal what the
file holds. Runs on the whole corpus in ../shared when present, and always on the
curated subset in tests/data/llama_stack.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import ssl
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openai
import pytest
from corpus import SHARED_CORPUS, SUBSET, Case, base_url, cases, wire_url

from pytest_llmrec.cassette import LLMCassette
from pytest_llmrec.config import Mode, RecordingConfig
from pytest_llmrec.foreign import ForeignIndexes
from pytest_llmrec.interception import intercepting

# Building an SSL context costs ~50 ms; every client here shares one, as a long-lived application would.
TLS = ssl.create_default_context()

SUBSET_CASES = cases(SUBSET)
CORPUS_CASES = cases(SHARED_CORPUS)
NO_CORPUS = pytest.mark.skipif(not CORPUS_CASES, reason=f"the llama-stack corpus is not at {SHARED_CORPUS}")


@pytest.fixture(scope="module")
def indexes() -> ForeignIndexes:
    return ForeignIndexes()  # one per run, as the plugin keeps them


def dump(value: Any) -> Any:
    """What an SDK object holds, as JSON: only the fields the response set."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", exclude_unset=True, by_alias=True)
    if isinstance(value, list):
        return [dump(v) for v in value]
    return value


def data(item: Any) -> Any:
    return item["__data__"] if isinstance(item, dict) and "__type__" in item else item


def wire_path(document: dict[str, Any]) -> str:
    return urllib.parse.urlsplit(wire_url(document)).path


def request_identity(case: Case) -> tuple[str, Any, str]:
    document = case.document
    request = document["request"]
    body = request.get("payload", request.get("body")) or {}
    if isinstance(body, dict) and "extra_body" in body:  # the SDK sends extra_body merged into the JSON
        body = {**{k: v for k, v in body.items() if k != "extra_body"}, **(body["extra_body"] or {})}
    return wire_path(document), document.get("test_id"), json.dumps(body, sort_keys=True)


def shadowing(all_cases: list[Case]) -> dict[Path, Path]:
    """Files whose request equals that of a file sorted before them in the same directory."""
    first: dict[tuple[Path, tuple[str, Any, str]], Path] = {}
    shadowed = {}
    for case in sorted(all_cases, key=lambda c: c.path):
        if not case.kind or case.kind == "models":
            continue
        key = (case.path.parent, request_identity(case))
        if key in first:
            shadowed[case.path] = first[key]
        else:
            first[key] = case.path
    return shadowed


SHADOWED = shadowing(SUBSET_CASES) | shadowing(CORPUS_CASES)


def expected_models(case: Case) -> list[Any]:
    """llama-stack's answer to a model list: the models of every file with the same path and test id,
    in the test's directory and in common/recordings, one per id (the last seen wins), sorted by id."""
    test_id, wire = case.document.get("test_id"), wire_path(case.document)
    models: dict[str, Any] = {}
    for folder in dict.fromkeys([case.path.parent, case.common_dir]):
        for path in sorted(folder.glob("models-*.json")):
            document = json.loads(path.read_text())
            if document.get("test_id") == test_id and wire_path(document) == wire:
                for item in document["response"]["body"]:
                    models[data(item)["id"]] = data(item)
    return [models[key] for key in sorted(models)]


def call(case: Case, asynchronous: bool) -> Any:
    """Send the recorded request with the client that made it; return what the client returned."""
    request = case.document["request"]
    body = dict(request.get("body") or request.get("payload") or {})
    url = base_url(case)
    if case.kind in ("chat", "completions", "embeddings", "models"):
        return _openai(case.kind, url, body, asynchronous)
    if case.kind == "ollama_ps":
        import ollama

        if asynchronous:
            return asyncio.run(ollama.AsyncClient(host=url, verify=TLS).ps())
        return ollama.Client(host=url, verify=TLS).ps()
    if case.kind == "anthropic":
        anthropic = pytest.importorskip("anthropic")
        root = url.rsplit("/v1/messages", 1)[0]
        body = sdk_arguments(anthropic.resources.Messages.create, body)
        if asynchronous:

            async def messages() -> Any:
                http = anthropic.DefaultAsyncHttpxClient(verify=TLS)
                client = anthropic.AsyncAnthropic(base_url=root, api_key="x", max_retries=0, http_client=http)
                result = await client.messages.create(**body)
                return [event async for event in result] if body.get("stream") else result

            return asyncio.run(messages())
        http = anthropic.DefaultHttpxClient(verify=TLS)
        result = anthropic.Anthropic(
            base_url=root, api_key="x", max_retries=0, http_client=http
        ).messages.create(**body)
        return list(result) if body.get("stream") else result
    if case.kind == "interactions":
        return _raw_http(url, body, asynchronous)
    raise AssertionError(f"no client for {case.kind!r}")


def sdk_arguments(method: Callable[..., Any], body: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments for an SDK method; fields it does not name (newer SDKs dropped some, such as
    anthropic's ``temperature``) travel in ``extra_body``, which the SDK merges into the same JSON."""
    names = inspect.signature(method).parameters
    known = {k: v for k, v in body.items() if k in names}
    extra = {k: v for k, v in body.items() if k not in names}
    return {**known, "extra_body": extra} if extra else known


def _openai(kind: str, url: str, body: dict[str, Any], asynchronous: bool) -> Any:
    def method(client: Any) -> Callable[..., Any]:
        return {
            "chat": client.chat.completions.create,
            "completions": client.completions.create,
            "embeddings": client.embeddings.create,
            "models": client.models.list,
        }[kind]

    if asynchronous:

        async def run() -> Any:
            http = openai.DefaultAsyncHttpxClient(verify=TLS)
            client = openai.AsyncOpenAI(base_url=url, api_key="x", max_retries=0, http_client=http)
            if kind == "models":
                return [model async for model in client.models.list()]
            result = await method(client)(**body)
            return [chunk async for chunk in result] if body.get("stream") else result

        return asyncio.run(run())
    http = openai.DefaultHttpxClient(verify=TLS)
    client = openai.OpenAI(base_url=url, api_key="x", max_retries=0, http_client=http)
    result = method(client)(**body)
    return list(result) if body.get("stream") or kind == "models" else result


def _raw_http(url: str, body: dict[str, Any], asynchronous: bool) -> Any:
    """llama-stack sent these with httpx itself; so do we. Returns status and JSON, or the SSE lines."""
    httpx = pytest.importorskip("httpx")

    def read(response: Any) -> Any:
        return (response.status_code, response.json())

    if body.get("stream"):
        if asynchronous:

            async def lines() -> list[str]:
                async with (
                    httpx.AsyncClient(verify=TLS) as client,
                    client.stream("POST", url, json=body) as response,
                ):
                    return [line async for line in response.aiter_lines()]

            return asyncio.run(lines())
        with httpx.Client(verify=TLS) as client, client.stream("POST", url, json=body) as response:
            return list(response.iter_lines())
    if asynchronous:

        async def post() -> Any:
            async with httpx.AsyncClient(verify=TLS) as client:
                return read(await client.post(url, json=body))

        return asyncio.run(post())
    with httpx.Client(verify=TLS) as client:
        return read(client.post(url, json=body))


def expected(case: Case) -> Any:
    response = case.document["response"]
    if case.kind == "models":
        return expected_models(case)
    if case.kind in ("anthropic", "interactions") and not case.streaming:
        return (
            response["body"] if case.kind == "anthropic" else (response.get("status", 200), response["body"])
        )
    if case.kind == "interactions":
        return response["body"]
    body = response["body"]
    return [data(item) for item in body] if isinstance(body, list) else data(body)


def check(case: Case, asynchronous: bool, indexes: ForeignIndexes) -> None:
    if case.reason:
        pytest.skip(case.reason)
    if case.path in SHADOWED:
        pytest.skip(f"sends the same request as {SHADOWED[case.path].name}, which replays instead")
    config = RecordingConfig(case.scope, Mode.REPLAY, case.path.parent, shared_dirs=(case.common_dir,))
    with intercepting(LLMCassette(config, "corpus", foreign=indexes)):
        if case.exception:
            check_error(case, asynchronous)
            return
        result = call(case, asynchronous)
    if case.kind == "interactions" and case.streaming:
        assert [line for line in result if line] == [line for line in expected(case) if line]
    elif case.kind == "anthropic" and case.streaming:
        events = [json.loads(line[len("data: ") :]) for line in expected(case) if line.startswith("data: ")]
        assert dump(result) == events
    else:
        assert dump(result) == expected(case)


def check_error(case: Case, asynchronous: bool) -> None:
    response = case.document["response"]
    if case.kind == "interactions":
        assert call(case, asynchronous) == (response["status"], response["body"])
        return
    if case.kind == "anthropic":
        anthropic = pytest.importorskip("anthropic")
        with pytest.raises(anthropic.APIStatusError) as error:
            call(case, asynchronous)
        assert (error.value.status_code, error.value.body) == (response["status"], response["body"])
        return
    recorded = response["exception_data"]
    with pytest.raises(openai.APIStatusError) as raised:
        call(case, asynchronous)
    assert type(raised.value).__name__ == recorded["type"]
    assert raised.value.status_code == recorded["status_code"]
    assert raised.value.body == recorded["body"]
    assert recorded["body"]["message"] in str(raised.value)


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("case", SUBSET_CASES, ids=[c.id for c in SUBSET_CASES])
def test_subset_replays(case: Case, asynchronous: bool, indexes: ForeignIndexes) -> None:
    check(case, asynchronous, indexes)


@NO_CORPUS
@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("case", CORPUS_CASES, ids=[c.id for c in CORPUS_CASES])
def test_corpus_replays(case: Case, asynchronous: bool, indexes: ForeignIndexes) -> None:
    check(case, asynchronous, indexes)


def test_the_subset_covers_every_kind_of_the_corpus() -> None:
    def kinds(all_cases: list[Case]) -> set[tuple[str, str, bool, bool]]:
        return {(c.provider, c.kind, c.streaming, c.exception) for c in all_cases if c.kind}

    if CORPUS_CASES:
        assert kinds(CORPUS_CASES) <= kinds(SUBSET_CASES)
    assert len(SUBSET_CASES) <= 80
