"""Tests of the Anthropic test server itself, driven through the real anthropic SDK (and raw HTTP)."""

from __future__ import annotations

import asyncio
import json
import re
import time

import anthropic
import httpx
import pytest
from anthropic.types import MessageParam, ToolParam, ToolResultBlockParam

from fakes.anthropic_server import MODELS, AnthropicServer
from fakes.model_knowledge import SATURN_ANSWER

MODEL = "claude-haiku-4-5"
TOOLS: list[ToolParam] = [
    {
        "name": "lookup",
        "description": "Look a fact up.",
        "input_schema": {"type": "object", "properties": {"query": {"type": "string"}}},
    },
    {"name": "unused", "input_schema": {"type": "object"}},
]
MESSAGE_ID = re.compile(r"msg_01[A-Za-z0-9]{22}")
TOOL_USE_ID = re.compile(r"toolu_01[A-Za-z0-9]{22}")
STREAM_EVENTS = [
    "message_start",
    "content_block_start",
    "ping",
    "content_block_delta",
    "content_block_delta",
    "content_block_delta",
    "content_block_stop",
    "message_delta",
    "message_stop",
]


def make_client(server: AnthropicServer) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=server.base_url, api_key="sk-ant-test", max_retries=0)


def make_async_client(server: AnthropicServer) -> anthropic.AsyncAnthropic:
    return anthropic.AsyncAnthropic(base_url=server.base_url, api_key="sk-ant-test", max_retries=0)


def ask(text: str) -> list[MessageParam]:
    return [{"role": "user", "content": text}]


def test_create_echoes_the_last_user_text(anthropic_server: AnthropicServer) -> None:
    client = make_client(anthropic_server)
    messages: list[MessageParam] = [
        {"role": "user", "content": "first question"},
        {"role": "assistant", "content": "first answer"},
        {"role": "user", "content": [{"type": "text", "text": "hello there"}]},
    ]
    message = client.messages.create(model=MODEL, max_tokens=64, system="Be brief.", messages=messages)
    again = client.messages.create(model=MODEL, max_tokens=64, system="Be brief.", messages=messages)

    assert [(b.type, getattr(b, "text", None)) for b in message.content] == [("text", "Echo: hello there")]
    assert (message.type, message.role, message.model) == ("message", "assistant", MODEL)
    assert (message.stop_reason, message.stop_sequence) == ("end_turn", None)
    # words: "Be brief." (2) + 2 + 2 + 2 in; "Echo: hello there" (3) out
    assert (message.usage.input_tokens, message.usage.output_tokens) == (8, 3)
    assert (message.usage.cache_read_input_tokens, message.usage.service_tier) == (0, "standard")
    assert MESSAGE_ID.fullmatch(message.id)
    assert again.id != message.id  # ids are per call, content is not
    assert again.content == message.content
    assert message._request_id is not None and message._request_id.startswith("req_")

    request = anthropic_server.requests[0]
    assert (request.method, request.path) == ("POST", "/v1/messages")
    # anthropic 2.x sends the API key as a bearer token where older SDKs sent x-api-key.
    assert request.headers["authorization"] == "Bearer sk-ant-test"
    assert "anthropic-version" in request.headers
    assert request.json is not None and request.json["system"] == "Be brief."


def test_raw_stream_sends_anthropic_events_without_done(anthropic_server: AnthropicServer) -> None:
    body = {"model": MODEL, "max_tokens": 64, "stream": True, "messages": ask("hi you")}
    with httpx.stream("POST", f"{anthropic_server.base_url}/v1/messages", json=body) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["request-id"].startswith("req_")
        text = response.read().decode()

    assert "[DONE]" not in text
    events = [block.split("\n") for block in text.strip().split("\n\n")]
    names = [lines[0].removeprefix("event: ") for lines in events]
    data = [json.loads(lines[1].removeprefix("data: ")) for lines in events]
    assert names == STREAM_EVENTS
    assert [d["type"] for d in data] == names  # each event's data repeats its name
    start = data[0]["message"]
    assert (start["content"], start["stop_reason"], start["usage"]["input_tokens"]) == ([], None, 2)
    assert "".join(d["delta"]["text"] for d in data[3:6]) == "Echo: hi you"
    assert data[7]["delta"] == {"stop_reason": "end_turn", "stop_sequence": None}
    assert data[7]["usage"]["output_tokens"] == 3


def test_create_stream_arrives_event_by_event(anthropic_server: AnthropicServer) -> None:
    client = make_client(anthropic_server)
    arrivals: list[float] = []
    events = []
    for event in client.messages.create(
        model=MODEL, max_tokens=64, messages=ask("one two three"), stream=True
    ):
        arrivals.append(time.monotonic())
        events.append(event)

    deltas = ["content_block_delta"] * 4
    ends = ["content_block_stop", "message_delta", "message_stop"]
    assert [e.type for e in events] == ["message_start", "content_block_start", *deltas, *ends]  # no ping
    pieces = [
        e.delta.text for e in events if e.type == "content_block_delta" and e.delta.type == "text_delta"
    ]
    assert len(pieces) == 4
    assert "".join(pieces) == "Echo: one two three"
    assert arrivals[-1] - arrivals[0] >= (len(events) - 1) * anthropic_server.event_delay * 0.5


def test_stream_helper_accumulates_the_message(anthropic_server: AnthropicServer) -> None:
    client = make_client(anthropic_server)
    with client.messages.stream(model=MODEL, max_tokens=64, messages=ask("stream me")) as stream:
        text = list(stream.text_stream)
        final = stream.get_final_message()
        assert stream.request_id is not None and stream.request_id.startswith("req_")

    assert text == ["Echo: ", "stream ", "me"]
    assert [getattr(b, "text", None) for b in final.content] == ["Echo: stream me"]
    assert (final.stop_reason, final.usage.input_tokens, final.usage.output_tokens) == ("end_turn", 2, 3)
    assert MESSAGE_ID.fullmatch(final.id)


def test_async_client_create_and_stream(anthropic_server: AnthropicServer) -> None:
    async def main() -> None:
        client = make_async_client(anthropic_server)
        message = await client.messages.create(model=MODEL, max_tokens=64, messages=ask("async hi"))
        assert [getattr(b, "text", None) for b in message.content] == ["Echo: async hi"]

        stream = await client.messages.create(
            model=MODEL, max_tokens=64, messages=ask("async hi"), stream=True
        )
        types = [event.type async for event in stream]
        assert types[0] == "message_start" and types[-1] == "message_stop"

        async with client.messages.stream(model=MODEL, max_tokens=64, messages=ask("async hi")) as helper:
            pieces = [piece async for piece in helper.text_stream]
            final = await helper.get_final_message()
        assert "".join(pieces) == "Echo: async hi"
        assert [getattr(b, "text", None) for b in final.content] == ["Echo: async hi"]
        await client.close()

    asyncio.run(main())


def test_tool_use_round_trip(anthropic_server: AnthropicServer) -> None:
    client = make_client(anthropic_server)
    question = ask("latin name of the sun")
    first = client.messages.create(model=MODEL, max_tokens=64, messages=question, tools=TOOLS)

    assert first.stop_reason == "tool_use"
    (call,) = first.content
    assert call.type == "tool_use"
    assert (call.name, call.input) == ("lookup", {"query": "latin name of the sun"})
    assert TOOL_USE_ID.fullmatch(call.id)
    assert call.id in anthropic_server.tool_use_ids

    result: ToolResultBlockParam = {
        "type": "tool_result",
        "tool_use_id": call.id,
        "content": [{"type": "text", "text": "Sol"}],
    }
    follow_up: list[MessageParam] = [
        *question,
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": call.id, "name": call.name, "input": call.input}],
        },
        {"role": "user", "content": [result]},
    ]
    second = client.messages.create(model=MODEL, max_tokens=64, messages=follow_up, tools=TOOLS)
    assert [getattr(b, "text", None) for b in second.content] == ["Tool said: Sol"]
    assert second.stop_reason == "end_turn"


def test_tool_use_streams_input_json_in_pieces(anthropic_server: AnthropicServer) -> None:
    client = make_client(anthropic_server)
    events = list(
        client.messages.create(model=MODEL, max_tokens=64, messages=ask("find sol"), tools=TOOLS, stream=True)
    )
    start = next(e for e in events if e.type == "content_block_start")
    assert start.content_block.type == "tool_use"
    assert start.content_block.input == {}
    partial = [
        e.delta.partial_json
        for e in events
        if e.type == "content_block_delta" and e.delta.type == "input_json_delta"
    ]
    assert len(partial) > 2
    assert json.loads("".join(partial)) == {"query": "find sol"}

    with client.messages.stream(model=MODEL, max_tokens=64, messages=ask("find sol"), tools=TOOLS) as stream:
        final = stream.get_final_message()
    (call,) = final.content
    assert call.type == "tool_use"
    assert call.input == {"query": "find sol"}
    assert final.stop_reason == "tool_use"
    assert call.id != start.content_block.id


def test_tool_result_for_an_unknown_tool_use_id_is_a_bad_request(anthropic_server: AnthropicServer) -> None:
    client = make_client(anthropic_server)
    result: ToolResultBlockParam = {"type": "tool_result", "tool_use_id": "toolu_01unknown", "content": "Sol"}
    with pytest.raises(anthropic.BadRequestError) as raised:
        client.messages.create(model=MODEL, max_tokens=64, messages=[{"role": "user", "content": [result]}])

    assert raised.value.status_code == 400
    body = raised.value.body
    assert isinstance(body, dict)
    assert body["type"] == "error"
    assert body["error"]["type"] == "invalid_request_error"
    assert "toolu_01unknown" in body["error"]["message"]


@pytest.mark.parametrize(
    ("status", "error_class", "error_type"),
    [
        (400, anthropic.BadRequestError, "invalid_request_error"),
        (401, anthropic.AuthenticationError, "authentication_error"),
        (404, anthropic.NotFoundError, "not_found_error"),
        (429, anthropic.RateLimitError, "rate_limit_error"),
        (500, anthropic.InternalServerError, "api_error"),
        (529, anthropic.OverloadedError, "overloaded_error"),
    ],
)
def test_simulated_errors_raise_the_sdk_exceptions(
    anthropic_server: AnthropicServer,
    status: int,
    error_class: type[anthropic.APIStatusError],
    error_type: str,
) -> None:
    client = make_client(anthropic_server)
    with pytest.raises(error_class) as raised:
        client.messages.create(model=f"error-{status}", max_tokens=64, messages=ask("hi"))

    assert raised.value.status_code == status
    assert raised.value.body == {
        "type": "error",
        "error": {"type": error_type, "message": f"Simulated {status} error"},
    }
    assert raised.value.request_id is not None and raised.value.request_id.startswith("req_")
    assert len(anthropic_server.requests) == 1  # max_retries=0: no second attempt


def test_models_list(anthropic_server: AnthropicServer) -> None:
    models = list(make_client(anthropic_server).models.list())
    assert [m.id for m in models] == [m["id"] for m in MODELS]
    assert all(m.type == "model" and m.display_name for m in models)
    assert anthropic_server.requests[0].path.startswith("/v1/models")


def test_a_known_question_gets_a_models_answer_and_a_repeat_in_caps_uses_it(
    anthropic_server: AnthropicServer,
) -> None:
    client = make_client(anthropic_server)
    question = "Which planet has rings around it with a name starting with letter S?"
    first = client.messages.create(model=MODEL, max_tokens=64, messages=ask(question))
    answer = first.content[0].text if first.content[0].type == "text" else ""
    messages: list[MessageParam] = [
        {"role": "user", "content": question},
        {"role": "assistant", "content": answer},
        {"role": "user", "content": "Repeat your previous response in all caps."},
    ]
    again = client.messages.create(model=MODEL, max_tokens=64, messages=messages)
    assert answer == SATURN_ANSWER
    assert again.content[0].type == "text" and again.content[0].text == SATURN_ANSWER.upper()


def test_a_tool_whose_input_schema_has_examples_is_called_with_the_first(
    anthropic_server: AnthropicServer,
) -> None:
    example = {"question": "Which gas do plants take in?", "answer": "Carbon dioxide"}
    tool: ToolParam = {
        "name": "record_card",
        "input_schema": {
            "type": "object",
            "properties": {"question": {"type": "string"}},
            "examples": [example],
        },
    }
    message = make_client(anthropic_server).messages.create(
        model=MODEL,
        max_tokens=64,
        messages=ask("a card on plants"),
        tools=[tool],
        tool_choice={"type": "tool", "name": "record_card"},
    )
    block = message.content[0]
    assert block.type == "tool_use" and block.name == "record_card" and block.input == example
    assert message.stop_reason == "tool_use"
