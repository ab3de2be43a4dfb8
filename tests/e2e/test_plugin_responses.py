"""OpenAI's Responses API, tool calls and structured output: recorded, re-recorded and replayed.

The multi-turn tests are where stable ids matter: the client only ever sees ``rec-…`` ids, the
server only ever receives the real ones it issued.
"""

from __future__ import annotations

import textwrap

import pytest

from fakes.inner_suite import PREAMBLE, InnerSuite
from fakes.llm_server import OpenAICompatibleServer

SUITE = PREAMBLE + textwrap.dedent(
    """
    import openai
    from pydantic import BaseModel

    MODEL = "gpt-4o-mini"
    LOOKUP = {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}

    class City(BaseModel):
        city: str
        country: str

    def client():
        return openai.OpenAI(base_url=BASE, max_retries=0)

    def dump(value):
        return value.model_dump(mode="json")

    @pytest.mark.llm_recording
    def test_create_and_stream():
        save("create", dump(client().responses.create(model=MODEL, input="Hello responses")))
        events = client().responses.create(model=MODEL, input="Stream me", stream=True)
        save("stream", [dump(event) for event in events])

    @pytest.mark.llm_recording
    def test_async_stream_helper():
        async def main():
            async with openai.AsyncOpenAI(base_url=BASE).responses.stream(model=MODEL, input="Async") as stream:
                kinds = [event.type async for event in stream]
                return kinds, dump(await stream.get_final_response())
        save("async_stream_helper", asyncio.run(main()))

    @pytest.mark.llm_recording
    def test_chain_and_retrieve():
        first = client().responses.create(model=MODEL, input="first turn")
        second = client().responses.create(model=MODEL, input="second turn", previous_response_id=first.id)
        third = client().responses.create(model=MODEL, input="third turn", previous_response_id=second.id)
        save("chain", [dump(first), dump(second), dump(third), dump(client().responses.retrieve(second.id))])

    @pytest.mark.llm_recording
    def test_function_call_round_trip():
        tools = [{"type": "function", "name": "lookup", "parameters": LOOKUP}]
        first = client().responses.create(model=MODEL, input="the word sol", tools=tools)
        call = next(item for item in first.output if item.type == "function_call")
        output = {"type": "function_call_output", "call_id": call.call_id, "output": "the Sun"}
        second = client().responses.create(model=MODEL, previous_response_id=first.id, input=[output], tools=tools)
        save("function_call", [dump(first), dump(second)])

    @pytest.mark.llm_recording
    def test_chat_tool_calls():
        tools = [{"type": "function", "function": {"name": "lookup", "parameters": LOOKUP}}]
        ask = {"role": "user", "content": "the word luna"}
        first = client().chat.completions.create(model=MODEL, messages=[ask], tools=tools)
        message = first.choices[0].message
        reply = {"role": "tool", "tool_call_id": message.tool_calls[0].id, "content": "the Moon"}
        messages = [ask, message.model_dump(exclude_none=True), reply]
        chunks = client().chat.completions.create(model=MODEL, messages=messages, tools=tools, stream=True)
        streamed = client().chat.completions.create(model=MODEL, messages=[ask], tools=tools, stream=True)
        save("chat_tools", [dump(first), [dump(c) for c in chunks], [dump(c) for c in streamed]])

    @pytest.mark.llm_recording
    def test_structured_output():
        text = '{"city": "Rome", "country": "Italy"}'
        parsed = client().responses.parse(model=MODEL, input=text, text_format=City)
        chat = client().chat.completions.parse(
            model=MODEL, messages=[{"role": "user", "content": text}], response_format=City
        )
        save("structured", [dump(parsed.output_parsed), dump(chat.choices[0].message.parsed)])
    """
)
TESTS = 6


@pytest.fixture
def suite(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, openai_server: OpenAICompatibleServer
) -> InnerSuite:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-proj-" + "K" * 48)
    inner = InnerSuite(pytester, monkeypatch, openai_server.base_url)
    pytester.makepyfile(test_responses=SUITE)
    return inner


def sent_to(server: OpenAICompatibleServer, path: str) -> list:
    return [request.json for request in server.requests if request.path == path]


def test_responses_record_with_stable_ids_translate_back_and_replay_offline_equal(suite, openai_server):
    suite.run("--llm-record=record-missing").assert_outcomes(passed=TESTS)
    live = suite.results()

    first, second, third, retrieved = live["chain"]
    assert [r["id"][:4] for r in live["chain"]] == ["rec-"] * 4 and retrieved == second
    assert second["previous_response_id"] == first["id"] and third["previous_response_id"] == second["id"]
    assert (
        third["output"][0]["content"][0]["text"]
        == "Echo: third turn (after: Echo: second turn (after: Echo: first turn))"
    )
    real = [
        body["previous_response_id"]
        for body in sent_to(openai_server, "/v1/responses")
        if body.get("previous_response_id")
    ]
    assert real and all(value.startswith("resp_") for value in real)  # the server got its own ids back
    assert [
        r.path.startswith("/v1/responses/resp_") for r in openai_server.requests if r.method == "GET"
    ] == [True]

    call = live["function_call"][0]["output"][0]
    assert (
        call["type"] == "function_call"
        and call["call_id"].startswith("rec-")
        and call["id"].startswith("rec-")
    )
    assert live["function_call"][1]["output"][0]["content"][0]["text"].startswith("Tool said: the Sun")
    first_chat, followed, streamed = live["chat_tools"]
    assert first_chat["choices"][0]["message"]["tool_calls"][0]["id"].startswith("rec-")
    assert (
        "".join(c["choices"][0]["delta"]["content"] or "" for c in followed if c["choices"])
        == "Tool said: the Moon"
    )
    assert streamed[0]["choices"][0]["delta"]["tool_calls"][0]["id"].startswith(
        "rec-"
    )  # stable in a stream too
    assert live["structured"] == [{"city": "Rome", "country": "Italy"}] * 2

    (stream_file,) = [
        r for r in suite.documents("test_create_and_stream").values() if r["response"]["is_streaming"]
    ]
    events = stream_file["response"]["body"]
    assert stream_file["response"]["stream"] == {"event_names": "type", "terminator": None}
    assert events[0]["__type__"] == "openai.types.responses.response_created_event.ResponseCreatedEvent"
    assert events[-1]["__type__"] == "openai.types.responses.response_completed_event.ResponseCompletedEvent"
    assert events[0]["__data__"]["response"]["created_at"] == 0
    (plain,) = [
        r for r in suite.documents("test_create_and_stream").values() if not r["response"]["is_streaming"]
    ]
    assert plain["response"]["body"]["__type__"] == "openai.types.responses.response.Response"

    openai_server.stop()
    suite.forbid_sockets()
    suite.run().assert_outcomes(passed=TESTS)
    assert suite.results() == live


def test_rerecording_conversations_changes_no_byte(suite, openai_server):
    suite.run("--llm-record=record-missing").assert_outcomes(passed=TESTS)
    before = suite.recordings()
    openai_server.reset()

    suite.run("--llm-record=rewrite").assert_outcomes(passed=TESTS)

    assert len(openai_server.requests) == sum(1 for _ in before)  # each went live again, with fresh ids
    assert suite.recordings() == before


def test_a_new_turn_after_replayed_ones_goes_live_with_the_real_id_from_the_recording(suite, openai_server):
    only_chain = ("-k", "chain")
    suite.run("--llm-record=record-missing", *only_chain).assert_outcomes(passed=1, deselected=TESTS - 1)
    turns = {r["request"]["body"]["input"]: (path, r) for path, r in recorded_turns(suite)}
    third_path, _ = turns["third turn"]
    third_path.unlink()
    _, second = turns["second turn"]
    second_real_id = second["id_normalization_mapping"][second["response"]["body"]["__data__"]["id"]]
    openai_server.reset()

    suite.run("--llm-record=record-missing", *only_chain).assert_outcomes(passed=1, deselected=TESTS - 1)

    (only,) = openai_server.requests  # the first two turns and the retrieve replayed
    assert only.json["previous_response_id"] == second_real_id
    assert third_path.exists()


def recorded_turns(suite: InnerSuite) -> list[tuple]:
    root = suite.pytester.path / "recordings"
    return [(root / path, r) for path, r in suite.documents().items() if r["request"]["method"] == "POST"]
