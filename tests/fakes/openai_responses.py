"""The Responses API (``/v1/responses``) of the OpenAI-compatible test server, on OpenAI's wire format.

Answers follow the same rules as chat completions (echo, tool call, tool result, JSON echo), while
``previous_response_id`` and tool ``call_id`` values must name objects this server really created, so a
test proves that its client (or a replayed recording) sent the ids the server gave it.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from typing import TYPE_CHECKING, Any

from .loopback import Json, compact

if TYPE_CHECKING:
    from llm_server import OpenAIHandler


def words(text: str) -> int:
    """The test server's token count: one token per word (shared with chat completions)."""
    return len(text.split())


def pieces(text: str) -> list[str]:
    """Word-sized stream deltas that keep their spaces, so joining them gives the text back."""
    return re.findall(r"\s*\S+\s*", text) or ([text] if text else [])


def is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _text_of(content: Any) -> str:
    """Input content is a string or a list of typed parts (input_text, output_text, ...)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict) and "text" in p)
    return ""


def _input_items(value: Any) -> list[Json]:
    """The input as items: a bare string is one user message; items without a type are messages."""
    if isinstance(value, str):
        return [{"type": "message", "role": "user", "content": value}]
    items = [i for i in value if isinstance(i, dict)] if isinstance(value, list) else []
    return [{"type": "message", **i} if "type" not in i else i for i in items]


def _output_text(response: Json) -> str:
    parts = [c for item in response["output"] if item["type"] == "message" for c in item["content"]]
    return "".join(p["text"] for p in parts if p["type"] == "output_text")


def _message(text: str) -> Json:
    part = {"type": "output_text", "annotations": [], "logprobs": [], "text": text}
    return {
        "id": f"msg_{secrets.token_hex(24)}",
        "type": "message",
        "status": "completed",
        "content": [part],
        "role": "assistant",
    }


def _function_call(call_id: str, name: str, query: str) -> Json:
    return {
        "id": f"fc_{secrets.token_hex(24)}",
        "type": "function_call",
        "status": "completed",
        "arguments": compact({"query": query}).decode(),
        "call_id": call_id,
        "name": name,
    }


def _wants_json(params: Json) -> bool:
    text = params.get("text")
    return isinstance(text, dict) and (text.get("format") or {}).get("type") == "json_schema"


def _first_function(params: Json) -> str | None:
    tools = params.get("tools") or []
    return next((t["name"] for t in tools if isinstance(t, dict) and t.get("type") == "function"), None)


def _answer(api: OpenAIHandler, params: Json, items: list[Json], previous: Json | None) -> Json:
    """The output item answering the last input item, with the rules of chat completions."""
    last = items[-1] if items else {}
    prior = _output_text(previous) if previous else ""
    after = f" (after: {prior})" if prior else ""
    if last.get("type") == "function_call_output":
        return _message(f"Tool said: {_text_of(last.get('output'))}{after}")
    users = [i for i in items if i["type"] == "message" and i.get("role") == "user"]
    text = _text_of(users[-1].get("content")) if users else ""
    tool = _first_function(params)
    if tool and last.get("role") == "user":
        return _function_call(api.owner.issue_call_id(tool), tool, text)
    return _message(text if _wants_json(params) else f"Echo: {text}{after}")


def _item_text(item: Json) -> str:
    return item["arguments"] if item["type"] == "function_call" else item["content"][0]["text"]


def _usage(params: Json, items: list[Json], output: Json) -> Json:
    """Word counts in the shape of the real API's usage, details included."""
    texts = [_text_of(params.get("instructions"))]
    texts += [_text_of(i.get("content", i.get("output"))) for i in items]
    prompt = sum(words(t) for t in texts)
    done = words(_item_text(output))
    return {
        "input_tokens": prompt,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": done,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": prompt + done,
    }


def _response(params: Json, output: Json, usage: Json) -> Json:
    """A completed Response object, echoing the request's settings as the real API does."""
    now = int(time.time())
    return {
        "id": f"resp_{secrets.token_hex(24)}",
        "object": "response",
        "created_at": now,
        "status": "completed",
        "background": False,
        "completed_at": now,
        "error": None,
        "incomplete_details": None,
        "instructions": params.get("instructions"),
        "max_output_tokens": params.get("max_output_tokens"),
        "max_tool_calls": None,
        "model": params.get("model"),
        "output": [output],
        "parallel_tool_calls": True,
        "previous_response_id": params.get("previous_response_id"),
        "reasoning": {"effort": None, "summary": None},
        "service_tier": "default",
        "store": True,
        "temperature": params.get("temperature", 1.0),
        "text": {"format": {"type": "text"}, "verbosity": "medium", **(params.get("text") or {})},
        "tool_choice": params.get("tool_choice", "auto"),
        "tools": params.get("tools") or [],
        "top_logprobs": 0,
        "top_p": params.get("top_p", 1.0),
        "truncation": "disabled",
        "usage": usage,
        "user": None,
        "metadata": params.get("metadata") or {},
    }


def _item_events(index: int, item: Json) -> list[Json]:
    """The events that stream one output item, from output_item.added to output_item.done."""
    ids = {"item_id": item["id"], "output_index": index}
    if item["type"] == "function_call":
        arguments = item["arguments"]
        added = {**item, "status": "in_progress", "arguments": ""}
        body = [
            {"type": "response.function_call_arguments.delta", **ids, "delta": p} for p in pieces(arguments)
        ]
        body.append({"type": "response.function_call_arguments.done", **ids, "arguments": arguments})
    else:
        part = item["content"][0]
        text, ids = part["text"], {**ids, "content_index": 0}
        added = {**item, "status": "in_progress", "content": []}
        body = [
            {"type": "response.content_part.added", **ids, "part": {**part, "text": ""}},
            *(
                {"type": "response.output_text.delta", **ids, "delta": p, "logprobs": []}
                for p in pieces(text)
            ),
            {"type": "response.output_text.done", **ids, "text": text, "logprobs": []},
            {"type": "response.content_part.done", **ids, "part": part},
        ]
    return [
        {"type": "response.output_item.added", "output_index": index, "item": added},
        *body,
        {"type": "response.output_item.done", "output_index": index, "item": item},
    ]


def _stream(api: OpenAIHandler, response: Json) -> None:
    """SSE with ``event:`` lines, numbered events and no ``[DONE]``, one HTTP chunk per event."""
    start = {**response, "status": "in_progress", "completed_at": None, "output": [], "usage": None}
    events = [
        {"type": "response.created", "response": start},
        {"type": "response.in_progress", "response": start},
        *(e for i, item in enumerate(response["output"]) for e in _item_events(i, item)),
        {"type": "response.completed", "response": response},
    ]
    chunks = [
        b"event: %s\ndata: %s\n\n" % (e["type"].encode(), compact({**e, "sequence_number": n}))
        for n, e in enumerate(events)
    ]
    api.send_chunks("text/event-stream", chunks)


def create_response(api: OpenAIHandler, params: Json) -> None:
    """POST /v1/responses: ids given back to the server must be ones it issued."""
    previous_id = params.get("previous_response_id")
    previous = api.owner.responses.get(str(previous_id)) if previous_id else None
    if previous_id and previous is None:
        message = f"Previous response with id '{previous_id}' not found."
        return api.error(404, message, "previous_response_not_found", "previous_response_id")
    items = _input_items(params.get("input"))
    for item in items:
        call_id = str(item.get("call_id"))
        if item["type"] == "function_call_output" and api.owner.tool_calls.get(call_id) is None:
            message = f"No tool call found for function call output with call_id {call_id}."
            return api.error(400, message, param="input")
    output = _answer(api, params, items, previous)
    if _wants_json(params) and not is_json(_item_text(output)):
        message = "This test server answers json_schema with the input text, which is not JSON."
        return api.error(400, message, param="text.format")
    response = _response(params, output, _usage(params, items, output))
    api.owner.responses.add(response["id"], response)
    if params.get("stream"):
        return _stream(api, response)
    api.send_json(200, response)


def retrieve_response(api: OpenAIHandler, params: Json) -> None:
    """GET /v1/responses/{response_id}: the stored response, as created."""
    response = api.owner.responses.get(params["response_id"])
    if response is None:
        return api.error(404, f"Response with id '{params['response_id']}' not found.")
    api.send_json(200, response)
