"""What a recorded request asked, as lines a person reads: who said what, and the tools offered.

Chat messages (OpenAI, Ollama), Anthropic's system prompt and content blocks, the Responses API's
``input``, a completion's ``prompt`` and an embedding's ``input`` are all recognised; any other
body is shown as its JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from pytest_llmrec.storage import payloads

Json = dict[str, Any]


@dataclass(frozen=True)
class Turn:
    """One message of a request: the role that said it and what it said."""

    role: str
    text: str


def turns(body: Any) -> list[Turn]:
    """The request body's messages, in order; a body that is not a prompt is one ``body`` turn."""
    body = payloads.from_typed(body)
    if not isinstance(body, dict):
        return [] if body is None else [Turn("body", _json(body))]
    found: list[Turn] = []
    if body.get("system"):  # Anthropic
        found.append(Turn("system", _content(body["system"])))
    if isinstance(body.get("instructions"), str):  # Responses API
        found.append(Turn("instructions", body["instructions"]))
    for key in ("messages", "input", "contents"):
        value = body.get(key)
        if isinstance(value, list):
            found += [_turn(item) for item in value]
        elif isinstance(value, str):
            found.append(Turn("input" if key == "input" else "user", value))
    for key in ("prompt", "text"):
        if isinstance(body.get(key), (str, list)):
            found.append(Turn(key, _content(body[key])))
    if not found:
        found.append(Turn("body", _json(body)))
    return found


def tools(body: Any) -> list[str]:
    """The names of the tools the request offered the model."""
    body = payloads.from_typed(body)
    offered = body.get("tools") if isinstance(body, dict) else None
    names = []
    for tool in offered if isinstance(offered, list) else []:
        if isinstance(tool, dict):
            function = tool["function"] if isinstance(tool.get("function"), dict) else tool
            names.append(str(function.get("name") or tool.get("type") or "?"))
    return names


def _turn(item: Any) -> Turn:
    if not isinstance(item, dict):
        return Turn("input", _content(item))
    role = str(item.get("role") or item.get("type") or "input")
    if item.get("type") == "function_call":  # a Responses API input item
        return Turn("tool call", f"{item.get('name')} {item.get('arguments', '')}")
    if item.get("type") == "function_call_output":
        return Turn("tool result", _content(item.get("output")))
    text = _content(item.get("content", item.get("parts", "")))
    calls = [
        f"{(call.get('function') or {}).get('name')} {(call.get('function') or {}).get('arguments', '')}"
        for call in item.get("tool_calls") or []
        if isinstance(call, dict)
    ]
    if calls:
        text = "\n".join(filter(None, [text, *(f"[tool call] {call}" for call in calls)]))
    return Turn(role, text)


def _content(content: Any) -> str:
    """A message's content: text, or a list of parts shown as their text or their kind."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return "" if content is None else _json(content)
    pieces = []
    for part in content:
        if isinstance(part, str):
            pieces.append(part)
        elif isinstance(part, dict):
            pieces.append(_part(part))
    return "\n".join(pieces)


def _part(part: Json) -> str:
    kind = str(part.get("type", ""))
    if isinstance(part.get("text"), str):
        return str(part["text"])
    if kind == "tool_use":
        return f"[tool call] {part.get('name')} {_json(part.get('input', {}))}"
    if kind == "tool_result":
        return f"[tool result] {_content(part.get('content'))}"
    if kind in ("image_url", "image", "input_image"):
        return "[image]"
    if kind in ("input_audio", "file", "input_file", "document"):
        return f"[{kind}]"
    return _json(part)


def _json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
