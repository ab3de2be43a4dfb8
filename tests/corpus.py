"""llama-stack's recordings as test cases: what each file holds and how a client would send it.

Kept apart from the plugin's code on purpose: the conformance test derives what a
replay must return from the files themselves, never from pytest_llmrec.
"""

from __future__ import annotations

import functools
import json
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SHARED_CORPUS = HERE.parents[1] / "shared" / "llama_stack_recordings"
SUBSET = HERE / "data" / "llama_stack"
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
        return Case(
            path,
            root,
            "",
            "Vertex AI (google-genai)",
            streaming,
            exception,
            "google-genai SDK arguments, not the HTTP request that SDK sends",
        )
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
