"""llama-stack's recordings as test cases: what each file holds, how its client sends it, what must come back.

Kept apart from the plugin's code on purpose: the conformance test derives what a
replay must return from the files themselves, never from pytest_llmrec.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import ssl
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openai
import pytest

from pytest_llmrec.config import RecordingConfig
from pytest_llmrec.intercept.patchers import intercepting
from pytest_llmrec.llama_stack.index import ForeignIndexes
from pytest_llmrec.modes import Mode
from pytest_llmrec.tape import Tape

HERE = Path(__file__).resolve().parent
SHARED_CORPUS = HERE.parents[2] / "shared" / "llama_stack_recordings"
SUBSET = HERE.parent / "data" / "llama_stack"
COMMON = Path("tests/integration/common/recordings")

PROVIDERS = {
    "api.openai.com": "OpenAI",
    "0.0.0.0:11434": "Ollama",
    "localhost:11434": "Ollama",
    "localhost:8000": "vLLM",
    "localhost:8080": "TGI",
    "us-south.ml.cloud.ibm.com": "watsonx",
    "generativelanguage.googleapis.com": "Gemini",
}

# The path each OpenAI-SDK call appends to its base URL.
OPENAI_ENDPOINTS = {
    "chat": "/chat/completions",
    "completions": "/completions",
    "embeddings": "/embeddings",
    "models": "/models",
}


@dataclass(frozen=True)
class Case:
    """One recording file and what replaying it takes."""

    path: Path
    root: Path
    kind: str  # chat, completions, embeddings, models, ollama_ps, anthropic, interactions, or "" if none
    provider: str
    streaming: bool
    exception: bool
    reason: str = ""  # why no client can send this recording's request, if none can

    @property
    def document(self) -> dict[str, Any]:
        return read(self.path)

    @property
    def id(self) -> str:
        return str(self.path.relative_to(self.root))

    @property
    def endpoint(self) -> str:
        return {
            "chat": "/v1/chat/completions",
            "completions": "/v1/completions",
            "embeddings": "/v1/embeddings",
            "models": "/v1/models",
            "ollama_ps": "/api/ps",
            "anthropic": "/v1/messages",
            "interactions": "/v1beta/interactions",
        }.get(self.kind, self.reason_endpoint)

    @property
    def reason_endpoint(self) -> str:
        request = self.document["request"]
        return str(request.get("endpoint") or request.get("tool_name") or request.get("api") or "?")

    @property
    def scope(self) -> str:
        test_id = self.document.get("test_id")
        return test_id if isinstance(test_id, str) else "test outside llama-stack's tests"

    @property
    def common_dir(self) -> Path:
        return self.root / COMMON


@functools.lru_cache(maxsize=16)
def read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def provider_of(host: str) -> str:
    if host.endswith(".openai.azure.com"):
        return "Azure OpenAI"
    if "bedrock" in host:
        return "Bedrock"
    return PROVIDERS.get(host, host or "none")


def wire_url(document: dict[str, Any]) -> str:
    """The URL the client sent: llama-stack stores base URL + an endpoint repeating its /v1."""
    request = document["request"]
    url, endpoint = request["url"], request.get("endpoint") or ""
    if "payload" not in request and endpoint.startswith("/v1/") and url.endswith(endpoint):
        return url[: -len(endpoint)] + endpoint[3:]
    return str(url)


def classify(path: Path, root: Path) -> Case:
    document = read(path)
    request, response = document["request"], document["response"]
    url = request.get("url") or ""
    host = urllib.parse.urlsplit(url).netloc
    provider = provider_of(host)
    streaming = bool(response.get("is_streaming"))
    exception = bool(response.get("is_exception")) or response.get("status", 200) >= 400

    def case(kind: str, reason: str = "") -> Case:
        return Case(path, root, kind, provider, streaming, exception, reason)

    if "tool_name" in request:
        return case("", f"a {request.get('provider')} tool call, not an HTTP request")
    if "api" in request:
        return case("", f"a {request.get('provider')} file-processor call, not an HTTP request")
    if url.startswith("vertexai:"):
        return Case(path, root, "genai", "Vertex AI (google-genai)", streaming, exception)
    if "payload" in request:
        return case("anthropic" if url.endswith("/v1/messages") else "interactions")
    endpoint = request.get("endpoint")
    if endpoint == "/api/ps":
        return case("ollama_ps")
    kind = {
        "/v1/chat/completions": "chat",
        "/v1/completions": "completions",
        "/v1/embeddings": "embeddings",
        "/v1/models": "models",
    }.get(endpoint)
    if kind == "completions" and "prompt" not in (request.get("body") or {}):
        return case("", "a /v1/completions request without a prompt: no SDK call sends it")
    if kind is None:
        return case("", f"endpoint {endpoint!r} is not an HTTP API")
    return case(kind)


def cases(root: Path) -> list[Case]:
    files = sorted(root.glob("**/recordings/*.json")) if root.is_dir() else []
    return [classify(path, root) for path in files]


def base_url(case: Case) -> str:
    """What a user passes as base_url (or host) to reach the recorded URL."""
    url = wire_url(case.document)
    suffix = OPENAI_ENDPOINTS.get(case.kind) or {"ollama_ps": "/api/ps"}.get(case.kind, "")
    return url[: -len(suffix)] if suffix and url.endswith(suffix) else url


# Building an SSL context costs ~50 ms; every client here shares one, as a long-lived application would.
TLS = ssl.create_default_context()


GENAI_SDK_ONLY = ("sdk_http_response", "automatic_function_calling_history")


def dump(value: Any) -> Any:
    """What an SDK object holds, as JSON: only the fields the response set."""
    if type(value).__module__.startswith("google.genai"):  # recorded as model_dump(exclude_none=True)
        fields = value.model_dump(mode="json", exclude_none=True)
        return {k: v for k, v in fields.items() if k not in GENAI_SDK_ONLY}
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
        ollama = pytest.importorskip("ollama")
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
    if case.kind == "genai":
        return _genai(case, body, asynchronous)
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


def _genai(case: Case, body: dict[str, Any], asynchronous: bool) -> Any:
    """A Vertex AI call through google-genai, with a token that is never checked: replay sends nothing."""
    genai = pytest.importorskip("google.genai")
    httpx = pytest.importorskip("httpx")
    from google.oauth2.credentials import Credentials

    options = genai.types.HttpOptions(
        httpx_client=httpx.Client(verify=TLS), httpx_async_client=httpx.AsyncClient(verify=TLS)
    )
    client = genai.Client(
        vertexai=True,
        project="my-project",
        location="us-central1",
        credentials=Credentials(token="unused"),
        http_options=options,
    )
    streams = case.document["request"]["endpoint"].endswith("_stream")
    arguments = {"model": body["model"], "contents": body["contents"], "config": body.get("config")}
    if asynchronous:

        async def run() -> Any:
            if streams:
                return [chunk async for chunk in await client.aio.models.generate_content_stream(**arguments)]
            return await client.aio.models.generate_content(**arguments)

        return asyncio.run(run())
    if streams:
        return list(client.models.generate_content_stream(**arguments))
    return client.models.generate_content(**arguments)


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
    if case.kind == "genai":
        strip = lambda chunk: {k: v for k, v in chunk.items() if k not in GENAI_SDK_ONLY}  # noqa: E731
        return [strip(chunk) for chunk in body] if isinstance(body, list) else strip(body)
    return [data(item) for item in body] if isinstance(body, list) else data(body)


def check(
    case: Case,
    asynchronous: bool,
    indexes: ForeignIndexes,
    shadowed: dict[Path, Path],
    recordings: Path | None = None,
) -> None:
    """Replay the case's request in replay mode and compare what the client got with the file.

    ``recordings`` replaces the case's own directory, e.g. with what ``llmrec import`` wrote.
    """
    if case.reason:
        pytest.skip(case.reason)
    if case.path in shadowed:
        pytest.skip(f"sends the same request as {shadowed[case.path].name}, which replays instead")
    folder = recordings or case.path.parent
    config = RecordingConfig(case.scope, Mode.REPLAY, folder, shared_dirs=(case.common_dir,))
    with intercepting(Tape(config, "corpus", foreign=indexes)):
        if case.exception:
            check_error(case, asynchronous)
            return
        result = call(case, asynchronous)
    if case.kind == "interactions" and case.streaming:
        assert sse_fields(result) == sse_fields(expected(case))
    elif case.kind == "anthropic" and case.streaming:
        events = [json.loads(line[len("data: ") :]) for line in expected(case) if line.startswith("data: ")]
        assert dump(result) == events
    else:
        assert dump(result) == expected(case)


def sse_fields(lines: list[str]) -> list[tuple[str, Any]]:
    """SSE lines as (field, value) pairs, JSON values parsed: key order and spacing may change."""
    fields = []
    for line in lines:
        name, _, value = line.partition(": ")
        if line:
            try:
                fields.append((name, json.loads(value)))
            except ValueError:
                fields.append((name, value))
    return fields


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
