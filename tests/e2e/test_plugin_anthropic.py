"""Anthropic's Messages API through the anthropic SDK, recorded from a loopback server and replayed offline."""

from __future__ import annotations

import textwrap

import pytest

from fakes.anthropic_server import AnthropicServer
from fakes.inner_suite import PREAMBLE, InnerSuite

pytest.importorskip("anthropic")

SUITE = PREAMBLE + textwrap.dedent(
    """
    import anthropic

    MODEL = "claude-sonnet-4-6"
    HELLO = [{"role": "user", "content": "Hello Claude"}]
    TOOLS = [{"name": "lookup", "description": "Look a word up",
              "input_schema": {"type": "object", "properties": {"query": {"type": "string"}}}}]

    def client():
        return anthropic.Anthropic(base_url=BASE, max_retries=0)

    @pytest.mark.llm_recording
    def test_create():
        save("create", client().messages.create(model=MODEL, max_tokens=64, messages=HELLO).model_dump())

    @pytest.mark.llm_recording
    def test_create_stream():
        events = client().messages.create(model=MODEL, max_tokens=64, messages=HELLO, stream=True)
        save("create_stream", [event.model_dump() for event in events])

    @pytest.mark.llm_recording
    def test_stream_helper():
        with client().messages.stream(model=MODEL, max_tokens=64, messages=HELLO) as stream:
            texts = list(stream.text_stream)
            final = stream.get_final_message()
        save("stream_helper", {"texts": texts, "final": final.model_dump()})

    @pytest.mark.llm_recording
    def test_async_stream_helper():
        async def main():
            async with anthropic.AsyncAnthropic(base_url=BASE).messages.stream(
                model=MODEL, max_tokens=64, messages=HELLO
            ) as stream:
                return [text async for text in stream.text_stream], (await stream.get_final_message()).model_dump()
        save("async_stream_helper", asyncio.run(main()))

    @pytest.mark.llm_recording
    def test_tool_use():
        ask = {"role": "user", "content": "the word sol"}
        first = client().messages.create(model=MODEL, max_tokens=64, tools=TOOLS, messages=[ask])
        call = next(block for block in first.content if block.type == "tool_use")
        result = {"type": "tool_result", "tool_use_id": call.id, "content": "the Sun"}
        messages = [ask, {"role": "assistant", "content": first.content}, {"role": "user", "content": [result]}]
        with client().messages.stream(model=MODEL, max_tokens=64, tools=TOOLS, messages=messages) as stream:
            second = stream.get_final_message()
        save("tool_use", {"first": first.model_dump(), "second": second.model_dump()})

    @pytest.mark.llm_recording
    def test_rate_limited():
        with pytest.raises(anthropic.RateLimitError) as caught:
            client().messages.create(model="error-429", max_tokens=64, messages=HELLO)
        save("rate_limited", {"status": caught.value.status_code, "body": caught.value.body})
    """
)
TESTS = 6
KEY = "sk-ant-api03-" + "Q" * 40


@pytest.fixture
def suite(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, anthropic_server: AnthropicServer
) -> InnerSuite:
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    inner = InnerSuite(pytester, monkeypatch, anthropic_server.base_url)
    pytester.makepyfile(test_anthropic=SUITE)
    return inner


def test_messages_record_with_stable_ids_and_replay_offline_equal(suite, anthropic_server, monkeypatch):
    suite.run("--llm-record=record-missing").assert_outcomes(passed=TESTS)
    live = suite.results()

    assert live["create"]["content"][0]["text"] == "Echo: Hello Claude"
    assert live["create"]["id"].startswith("rec-")  # the client saw the stable id while recording
    assert "".join(live["stream_helper"]["texts"]) == "Echo: Hello Claude"
    call = live["tool_use"]["first"]["content"][0]
    assert call["type"] == "tool_use" and call["id"].startswith("rec-")
    assert live["tool_use"]["second"]["content"][0]["text"] == "Tool said: the Sun"
    # ...while the server was sent the real tool_use id it issued
    sent = anthropic_server.requests[-2].json["messages"][-1]["content"][0]["tool_use_id"]
    assert sent.startswith("toolu_01")
    assert live["rate_limited"] == {
        "status": 429,
        "body": {"type": "error", "error": {"type": "rate_limit_error", "message": "Simulated 429 error"}},
    }

    (stream,) = suite.documents("test_create_stream").values()
    types = [
        event["__type__"].rsplit(".", 1)[1] for event in stream["response"]["body"] if "__type__" in event
    ]
    assert (
        types[:2] == ["RawMessageStartEvent", "RawContentBlockStartEvent"]
        and types[-1] == "RawMessageStopEvent"
    )
    assert stream["response"]["stream"] == {"event_names": "type", "terminator": None}
    (plain,) = suite.documents("test_create").values()
    assert plain["response"]["body"]["__type__"] == "anthropic.types.message.Message"
    (first, second) = sorted(
        suite.documents("test_tool_use").values(), key=lambda r: len(r["request"]["body"]["messages"])
    )
    assert first["id_normalization_mapping"][call["id"]] == sent
    assert (
        second["request"]["body"]["messages"][-1]["content"][0]["tool_use_id"] == call["id"]
    )  # as the client sent it
    assert all(KEY.encode() not in data for data in suite.recordings().values())

    anthropic_server.stop()
    suite.forbid_sockets()
    monkeypatch.delenv("ANTHROPIC_API_KEY")  # replay needs no key: the SDK gets a placeholder
    suite.run().assert_outcomes(passed=TESTS)
    assert suite.results() == live


def test_rerecording_a_tool_use_conversation_changes_no_byte(suite, anthropic_server):
    suite.run("--llm-record=record-missing", "-k", "tool_use").assert_outcomes(passed=1, deselected=TESTS - 1)
    before = suite.recordings()
    issued = len(anthropic_server.requests)

    suite.run("--llm-record=rewrite", "-k", "tool_use").assert_outcomes(passed=1, deselected=TESTS - 1)

    assert len(anthropic_server.requests) == 2 * issued  # every request went live again, with fresh ids
    assert suite.recordings() == before
