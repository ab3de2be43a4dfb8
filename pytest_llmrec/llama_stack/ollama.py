"""llama-stack's Ollama-native recordings: the request the ollama SDK sends for one, and how it streams.

Before it recorded HTTP, llama-stack's recorder patched ``ollama.AsyncClient``: it stored the
method's keyword arguments as the body and the returned SDK objects as ``ollama._types.*``. Three
things then differ from the wire. ``embed()`` was filed under ``/api/embeddings``, but the SDK posts
it to ``/api/embed``. The SDK sends a request model dumped with its defaults (``"tools": []``,
``"stream": false``, messages without empty fields), not the arguments. And Ollama streams NDJSON,
one object per line, not SSE.
"""

from __future__ import annotations

from typing import Any

from pytest_llmrec.storage import payloads

SDK_MODULE = "ollama._types."
EMBED_RESPONSE = SDK_MODULE + "EmbedResponse"
# The path each SDK method posts to, for the path llama-stack filed it under.
SENT_PATHS = {("/api/embeddings", EMBED_RESPONSE): "/api/embed"}
# The SDK's request model for each path, and what its method passes when the caller does not.
REQUESTS: dict[str, tuple[str, dict[str, Any]]] = {
    "/api/chat": ("ChatRequest", {"tools": [], "stream": False}),
    "/api/generate": ("GenerateRequest", {"stream": False}),
    "/api/embed": ("EmbedRequest", {}),
    "/api/embeddings": ("EmbeddingsRequest", {}),
}


def response_type(document: dict[str, Any]) -> str | None:
    """The ``ollama._types`` class a document's response holds (its first event's, for a stream)."""
    response = document.get("response")
    body = response.get("body") if isinstance(response, dict) else None
    first = body[0] if isinstance(body, list) and body else body
    kind = payloads.type_of(first)
    return kind if isinstance(kind, str) and kind.startswith(SDK_MODULE) else None


def sent_path(path: str, document: dict[str, Any]) -> str:
    """The path the SDK posts to for a document filed under ``path``."""
    return SENT_PATHS.get((path, response_type(document) or ""), path)


def sent_body(path: str, body: Any) -> Any:
    """The JSON the installed ollama SDK sends for the recorded keyword arguments.

    Built with the SDK's own request model, as its client methods build it, so fields a newer SDK
    adds match. Without the SDK, or for arguments its model refuses, the arguments as recorded.
    """
    if path not in REQUESTS or not isinstance(body, dict):
        return body
    try:
        from ollama import _types
        from pydantic import ValidationError
    except ImportError:
        return body
    name, defaults = REQUESTS[path]
    arguments = {**defaults, **{key: value for key, value in body.items() if value is not None}}
    if "messages" in arguments:  # the SDK drops each message's empty fields (its _copy_messages)
        arguments["messages"] = [
            {key: value for key, value in dict(message).items() if value}
            for message in arguments["messages"] or []
            if isinstance(message, dict)
        ]
    try:
        request = getattr(_types, name).model_validate(arguments)
    except (AttributeError, ValidationError):
        return body
    return request.model_dump(exclude_none=True, mode="json")
