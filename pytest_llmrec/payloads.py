"""Typed payloads: ``{"__type__": <SDK class path>, "__data__": <JSON>}``.

A recording says which SDK class a body parses into, as llama-stack's recorder
does, so a reader (or a tool) knows a chat completion from an embedding at a
glance. ``__data__`` is the provider's JSON as sent; replay re-emits it as is.
"""

from __future__ import annotations

import hashlib
from typing import Any

TYPE_KEY = "__type__"
DATA_KEY = "__data__"

# OpenAI's "object" field names the SDK class a body parses into.
OPENAI_OBJECT_TYPES = {
    "chat.completion": "openai.types.chat.chat_completion.ChatCompletion",
    "chat.completion.chunk": "openai.types.chat.chat_completion_chunk.ChatCompletionChunk",
    "text_completion": "openai.types.completion.Completion",
    "model": "openai.types.model.Model",
}
EMBEDDINGS_TYPE = "openai.types.create_embedding_response.CreateEmbeddingResponse"

# Types whose "id" and "created" change on every call; normalised so re-recording is byte-stable.
VOLATILE_ID_TYPES = frozenset(
    {
        OPENAI_OBJECT_TYPES["chat.completion"],
        OPENAI_OBJECT_TYPES["chat.completion.chunk"],
        OPENAI_OBJECT_TYPES["text_completion"],
    }
)


def typed(type_path: str, data: Any) -> dict[str, Any]:
    return {TYPE_KEY: type_path, DATA_KEY: data}


def is_typed(value: Any) -> bool:
    return isinstance(value, dict) and TYPE_KEY in value and DATA_KEY in value


def type_of(value: Any) -> str | None:
    return value[TYPE_KEY] if is_typed(value) else None


def to_typed(value: Any) -> Any:
    """Wrap a parsed JSON body in its SDK type where we know it; leave anything else plain."""
    if not isinstance(value, dict):
        return value
    kind = value.get("object")
    if kind in OPENAI_OBJECT_TYPES:
        return typed(OPENAI_OBJECT_TYPES[kind], value)
    data = value.get("data")
    if kind == "list" and isinstance(data, list):
        if data and all(isinstance(item, dict) and item.get("object") == "embedding" for item in data):
            return typed(EMBEDDINGS_TYPE, value)
        return {**value, "data": [to_typed(item) for item in data]}
    return value


def from_typed(value: Any) -> Any:
    """The plain JSON a typed payload stands for, at any depth."""
    if is_typed(value):
        return from_typed(value[DATA_KEY])
    if isinstance(value, dict):
        return {k: from_typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_typed(v) for v in value]
    return value


def stable_id(key_digest: str, occurrence: int) -> str:
    """The id a recording shows instead of the provider's: ``rec-`` + 12 hex digits of the key."""
    if occurrence > 1:
        key_digest = hashlib.sha256(f"{key_digest}:{occurrence}".encode()).hexdigest()
    return f"rec-{key_digest[:12]}"


def normalize_volatile(value: Any, replacement_id: str | None) -> Any:
    """Replace per-call ids and timestamps of known types, so an unchanged answer is an unchanged file."""
    if replacement_id is None or not (
        is_typed(value) and value[TYPE_KEY] in VOLATILE_ID_TYPES and isinstance(value[DATA_KEY], dict)
    ):
        return value
    data = dict(value[DATA_KEY])
    if "id" in data:
        data["id"] = replacement_id
    if "created" in data:
        data["created"] = 0
    return typed(value[TYPE_KEY], data)


def tokens_used(body: Any) -> int:
    """Tokens a response reports in its ``usage`` (OpenAI's or Anthropic's field names), 0 if none.

    A stream reports usage in some of its events: input counts once, output grows, so the
    largest of each is taken.
    """
    prompt = completion = total = 0
    for item in body if isinstance(body, list) else [body]:
        data = from_typed(item)
        data = data.get("data", data) if isinstance(data, dict) and "event" in data else data
        usage = data.get("usage") if isinstance(data, dict) else None
        if isinstance(data, dict) and not isinstance(usage, dict) and isinstance(data.get("message"), dict):
            usage = data["message"].get("usage")  # Anthropic's message_start event
        if not isinstance(usage, dict):
            continue
        prompt = max(prompt, _count(usage, "prompt_tokens", "input_tokens"))
        completion = max(completion, _count(usage, "completion_tokens", "output_tokens"))
        total = max(total, _count(usage, "total_tokens"))
    return max(total, prompt + completion)


def _count(usage: dict[str, Any], *names: str) -> int:
    for name in names:
        value = usage.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return 0
