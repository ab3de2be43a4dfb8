"""Typed payloads: ``{"__type__": <SDK class path>, "__data__": <JSON>}``.

A recording says which SDK class a body parses into, as llama-stack's recorder
does, so a reader (or a tool) knows a chat completion from an embedding at a
glance. ``__data__`` is the provider's JSON as sent; replay re-emits it as is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pytest_llmrec.storage import sdk_types

TYPE_KEY = "__type__"
DATA_KEY = "__data__"
BYTES = "bytes"  # the __type__ of a binary request body, kept as base64 beside its size


def typed(type_path: str, data: Any) -> dict[str, Any]:
    return {TYPE_KEY: type_path, DATA_KEY: data}


def is_typed(value: Any) -> bool:
    return isinstance(value, dict) and TYPE_KEY in value and DATA_KEY in value


def type_of(value: Any) -> str | None:
    return value[TYPE_KEY] if is_typed(value) else None


def to_typed(value: Any, endpoint: str = "") -> Any:
    """Wrap a parsed JSON body in its SDK type where we know it; leave anything else plain."""
    if not isinstance(value, dict):
        return value
    data = value.get("data")
    if value.get("object") == "list" and isinstance(data, list):
        if data and all(isinstance(item, dict) and item.get("object") == "embedding" for item in data):
            return typed(sdk_types.EMBEDDINGS, value)
        return {**value, "data": [to_typed(item) for item in data]}
    type_path = sdk_types.sdk_type(value, endpoint)
    return typed(type_path, value) if type_path else value


def from_typed(value: Any) -> Any:
    """The plain JSON a typed payload stands for, at any depth.

    Parts that hold no typed payload are returned as they are, not copied: read the result,
    do not change it.
    """
    if isinstance(value, dict):
        if TYPE_KEY in value and DATA_KEY in value:
            return from_typed(value[DATA_KEY])
        plain: dict[str, Any] | None = None
        for key, item in value.items():
            if isinstance(item, (dict, list)) and (inner := from_typed(item)) is not item:
                plain = plain if plain is not None else dict(value)
                plain[key] = inner
        return value if plain is None else plain
    if isinstance(value, list):
        items: list[Any] | None = None
        for index, item in enumerate(value):
            if isinstance(item, (dict, list)) and (inner := from_typed(item)) is not item:
                items = items if items is not None else list(value)
                items[index] = inner
        return value if items is None else items
    return value


@dataclass(frozen=True)
class TokenCounts:
    """What a response says it cost: input (prompt) and output (completion) tokens, and their total."""

    input: int = 0
    output: int = 0
    total: int = 0


def token_counts(body: Any) -> TokenCounts:
    """Tokens a response reports (OpenAI's, Anthropic's and Ollama's field names), zeros if none.

    Takes a body or a stream's events, typed or plain: usage sits at the top of a payload, so
    nothing is decoded below it. A stream reports usage in some of its events: input counts
    once, output grows, so the largest of each is taken.
    """
    prompt = completion = total = 0
    for item in body if isinstance(body, list) else [body]:
        usage = usage_of(item)
        if usage is None:
            continue
        prompt = max(prompt, _count(usage, "prompt_tokens", "input_tokens", "prompt_eval_count"))
        completion = max(completion, _count(usage, "completion_tokens", "output_tokens", "eval_count"))
        total = max(total, _count(usage, "total_tokens"))
    return TokenCounts(prompt, completion, max(total, prompt + completion))


def tokens_used(body: Any) -> int:
    """All the tokens a response reports (see ``token_counts``), 0 if none."""
    return token_counts(body).total


def _plain(value: Any) -> Any:
    """One level of a typed payload unwrapped."""
    return value[DATA_KEY] if is_typed(value) else value


def stream_event_data(event: Any) -> Any:
    """A stored stream event's JSON: an SSE event kept with its explicit name is ``{event, data}``."""
    if isinstance(event, dict) and set(event) == {"event", "data"}:
        return event["data"]
    return event


def usage_of(data: Any) -> dict[str, Any] | None:
    """Where a body or stream event keeps its counts: ``usage``, the ``message`` of Anthropic's
    message_start, the ``response`` of a Responses API event, or Ollama's top level."""
    data = _plain(stream_event_data(data))
    if not isinstance(data, dict):
        return None
    for holder in (data, _plain(data.get("message")), _plain(data.get("response"))):
        if isinstance(holder, dict) and isinstance(holder.get("usage"), dict):
            return holder["usage"]  # type: ignore[no-any-return]
    return data if "eval_count" in data or "prompt_eval_count" in data else None


def _count(usage: dict[str, Any], *names: str) -> int:
    for name in names:
        value = usage.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return 0
