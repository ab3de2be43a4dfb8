"""The loopback server's Responses API, driven through the openai SDK."""

from __future__ import annotations

import asyncio
import http.client
import json
import time

import openai
import pytest

from fakes.llm_server import OpenAICompatibleServer
from fakes.openai_clients import CALL_ID, PARIS, WEATHER_FUNCTION, City, make_async_client, make_client


def test_responses_chain_through_previous_response_id(openai_server: OpenAICompatibleServer) -> None:
    client = make_client(openai_server)
    first = client.responses.create(model="gpt-4o-mini", input="hello there", instructions="Be brief.")
    assert first.id.startswith("resp_") and first.object == "response"
    assert first.status == "completed"
    assert abs(first.created_at - time.time()) < 60
    assert first.output_text == "Echo: hello there"
    assert first.instructions == "Be brief."
    message = first.output[0]
    assert message.type == "message" and message.id.startswith("msg_") and message.role == "assistant"
    assert first.usage is not None
    assert (first.usage.input_tokens, first.usage.output_tokens, first.usage.total_tokens) == (4, 3, 7)
    assert first.usage.input_tokens_details.cached_tokens == 0
    assert first.usage.output_tokens_details.reasoning_tokens == 0

    second = client.responses.create(
        model="gpt-4o-mini",
        input=[{"role": "user", "content": [{"type": "input_text", "text": "and again"}]}],
        previous_response_id=first.id,
    )
    assert second.output_text == "Echo: and again (after: Echo: hello there)"
    assert second.previous_response_id == first.id
    assert second.id != first.id

    with pytest.raises(openai.NotFoundError) as missing:
        client.responses.create(model="gpt-4o-mini", input="x", previous_response_id="resp_never_issued")
    assert "Previous response with id 'resp_never_issued' not found." in missing.value.message
    assert missing.value.code == "previous_response_not_found"
    assert missing.value.param == "previous_response_id"


def test_responses_retrieve(openai_server: OpenAICompatibleServer) -> None:
    client = make_client(openai_server)
    created = client.responses.create(model="gpt-4o-mini", input="keep me")
    retrieved = client.responses.retrieve(created.id)
    assert retrieved.model_dump() == created.model_dump()
    assert openai_server.requests[-1].path.startswith(f"/v1/responses/{created.id}")
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve("resp_unknown")


def test_responses_function_call_round_trip(openai_server: OpenAICompatibleServer) -> None:
    client = make_client(openai_server)
    asked = client.responses.create(model="gpt-4o-mini", input="weather in Oslo", tools=[WEATHER_FUNCTION])
    call = asked.output[0]
    assert call.type == "function_call"
    assert call.id is not None and call.id.startswith("fc_")
    assert CALL_ID.fullmatch(call.call_id)
    assert (call.name, json.loads(call.arguments), call.status) == (
        "get_weather",
        {"query": "weather in Oslo"},
        "completed",
    )
    assert asked.output_text == ""

    answered = client.responses.create(
        model="gpt-4o-mini",
        previous_response_id=asked.id,
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": "snow"}],
    )
    assert answered.output_text == "Tool said: snow"

    with pytest.raises(openai.BadRequestError) as unknown:
        client.responses.create(
            model="gpt-4o-mini",
            input=[
                {"type": "function_call_output", "call_id": "call_notIssuedByTheServer000", "output": "x"}
            ],
        )
    assert "call_notIssuedByTheServer000" in unknown.value.message


def test_responses_stream_event_sequence(openai_server: OpenAICompatibleServer) -> None:
    client = make_client(openai_server)
    events = list(client.responses.create(model="gpt-4o-mini", input="stream this please", stream=True))
    types = [e.type for e in events]
    deltas = types.count("response.output_text.delta")
    assert deltas == 4  # "Echo: stream this please" in word pieces
    assert types == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        *["response.output_text.delta"] * deltas,
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text == "Echo: stream this please"
    created, completed = events[0], events[-1]
    assert created.type == "response.created" and completed.type == "response.completed"
    assert created.response.status == "in_progress" and created.response.output == []
    assert completed.response.id == created.response.id
    assert completed.response.output_text == text
    assert client.responses.retrieve(created.response.id).output_text == text  # stored, like the real API


def test_responses_stream_framing_has_event_lines_and_no_done(openai_server: OpenAICompatibleServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", openai_server.port, timeout=5)
    body = json.dumps({"model": "m", "input": "hi", "stream": True})
    conn.request("POST", "/v1/responses", body=body, headers={"Content-Type": "application/json"})
    raw = conn.getresponse().read().decode()
    conn.close()
    events = raw.split("\n\n")
    assert events[-1] == ""  # the body ends with a complete event
    for event in events[:-1]:
        name, data = event.split("\n")
        assert name.startswith("event: ") and data.startswith("data: ")
        assert json.loads(data[6:])["type"] == name[7:]
    assert "[DONE]" not in raw


def test_responses_stream_helper_function_call(openai_server: OpenAICompatibleServer) -> None:
    client = make_client(openai_server)
    with client.responses.stream(
        model="gpt-4o-mini", input="weather in Lima", tools=[WEATHER_FUNCTION]
    ) as stream:
        events = list(stream)
        final = stream.get_final_response()
    arguments = "".join(e.delta for e in events if e.type == "response.function_call_arguments.delta")
    done = [e for e in events if e.type == "response.function_call_arguments.done"]
    assert len(done) == 1 and done[0].arguments == arguments
    assert json.loads(arguments) == {"query": "weather in Lima"}
    call = final.output[0]
    assert call.type == "function_call" and call.arguments == arguments
    assert "response.content_part.added" not in [e.type for e in events]


def test_responses_parse_and_async_stream(openai_server: OpenAICompatibleServer) -> None:
    client = make_client(openai_server)
    parsed = client.responses.parse(model="gpt-4o-mini", input=PARIS.model_dump_json(), text_format=City)
    assert parsed.output_parsed == PARIS
    with pytest.raises(openai.BadRequestError):
        client.responses.parse(model="gpt-4o-mini", input="Paris, please", text_format=City)

    async def main() -> None:
        aclient = make_async_client(openai_server)
        first = await aclient.responses.create(model="gpt-4o-mini", input="one")
        async with aclient.responses.stream(
            model="gpt-4o-mini",
            input=PARIS.model_dump_json(),
            text_format=City,
            previous_response_id=first.id,
        ) as stream:
            final = await stream.get_final_response()
        assert final.output_parsed == PARIS  # JSON output has no "(after: ...)" suffix
        assert (await aclient.responses.retrieve(final.id)).previous_response_id == first.id
        await aclient.close()

    asyncio.run(main())
