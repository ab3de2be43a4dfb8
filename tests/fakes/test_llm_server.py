"""Tests of the OpenAI-compatible test server itself, driven through the real openai SDK (and raw HTTP)."""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
import time
from typing import Any

import openai
import pytest

from fakes.llm_server import SUN_ANSWER, OpenAICompatibleServer
from fakes.model_knowledge import SATURN_ANSWER
from fakes.openai_clients import (
    CALL_ID,
    PARIS,
    SUN_QUESTION,
    WEATHER_TOOL,
    City,
    ask,
    make_async_client,
    make_client,
)


def test_chat_non_stream_answer_and_usage(openai_server: OpenAICompatibleServer) -> None:
    client = make_client(openai_server)
    sun = client.chat.completions.create(model="gpt-4o-mini", messages=ask(SUN_QUESTION), max_tokens=5)
    echo = client.chat.completions.create(model="gpt-4o-mini", messages=ask("hello there"))

    assert sun.choices[0].message.content == SUN_ANSWER
    assert sun.choices[0].message.role == "assistant"
    assert sun.choices[0].finish_reason == "stop"
    assert echo.choices[0].message.content == "Echo: hello there"
    assert sun.model == "gpt-4o-mini"
    assert sun.object == "chat.completion"
    assert sun.id.startswith("chatcmpl-")
    assert sun.system_fingerprint == "fp_test"
    assert abs(sun.created - time.time()) < 60
    assert sun.usage is not None
    # word counts: "Be brief." (2) + the question (8); the answer has 8 words
    assert (sun.usage.prompt_tokens, sun.usage.completion_tokens, sun.usage.total_tokens) == (10, 8, 18)

    first = openai_server.requests[0]
    assert (first.method, first.path) == ("POST", "/v1/chat/completions")
    assert first.headers["authorization"] == "Bearer sk-test"
    assert first.json is not None
    assert first.json["messages"][-1]["content"] == SUN_QUESTION
    assert json.loads(first.body) == first.json
    openai_server.reset()
    assert openai_server.requests == []


def test_chat_stream_interleaves_choices_over_time(openai_server: OpenAICompatibleServer) -> None:
    client = make_client(openai_server)
    expected = [
        c.message.content
        for c in client.chat.completions.create(model="gpt-4o-mini", messages=ask(SUN_QUESTION), n=2).choices
    ]
    assert expected == [SUN_ANSWER, SUN_ANSWER + " (choice 1)"]

    arrivals: list[float] = []
    chunks = []
    stream = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=ask(SUN_QUESTION),
        n=2,
        stream=True,
        stream_options={"include_usage": True},
    )
    for chunk in stream:
        arrivals.append(time.monotonic())
        chunks.append(chunk)

    assert all(c.object == "chat.completion.chunk" for c in chunks)
    assert len({c.id for c in chunks}) == 1
    *choice_chunks, usage_chunk = chunks
    assert usage_chunk.choices == []
    assert usage_chunk.usage is not None
    assert usage_chunk.usage.completion_tokens == 8 + 10
    assert [c.choices[0].delta.role for c in choice_chunks[:2]] == ["assistant", "assistant"]
    content = [c.choices[0] for c in choice_chunks[2:-2]]
    assert [c.index for c in content[:4]] == [0, 1, 0, 1]  # interleaved, not one choice after the other
    joined = ["".join(c.delta.content or "" for c in content if c.index == i) for i in (0, 1)]
    assert joined == expected
    assert [(c.choices[0].index, c.choices[0].finish_reason) for c in choice_chunks[-2:]] == [
        (0, "stop"),
        (1, "stop"),
    ]
    assert arrivals[-1] - arrivals[0] >= (len(chunks) - 1) * openai_server.event_delay * 0.5


def test_async_client_chat(openai_server: OpenAICompatibleServer) -> None:
    async def main() -> None:
        client = make_async_client(openai_server)
        response = await client.chat.completions.create(model="gpt-4o-mini", messages=ask("async hello"))
        assert response.choices[0].message.content == "Echo: async hello"

        stream = await client.chat.completions.create(
            model="gpt-4o-mini", messages=ask(SUN_QUESTION), stream=True
        )
        pieces = [chunk.choices[0].delta.content or "" async for chunk in stream]
        assert "".join(pieces) == SUN_ANSWER
        await client.close()

    asyncio.run(main())


def test_completions_stream_and_non_stream(openai_server: OpenAICompatibleServer) -> None:
    client = make_client(openai_server)
    response = client.completions.create(model="gpt-3.5-turbo-instruct", prompt=SUN_QUESTION)
    assert response.object == "text_completion"
    assert response.id.startswith("cmpl-")
    assert response.choices[0].text == SUN_ANSWER
    assert response.choices[0].finish_reason == "stop"
    assert response.usage is not None
    assert response.usage.total_tokens == 8 + 8

    stream = client.completions.create(model="gpt-3.5-turbo-instruct", prompt="say hi", stream=True, n=2)
    chunks = list(stream)
    assert all(c.object == "text_completion" for c in chunks)
    texts = ["".join(c.choices[0].text for c in chunks if c.choices[0].index == i) for i in (0, 1)]
    assert texts == ["Echo: say hi", "Echo: say hi (choice 1)"]
    assert [c.choices[0].finish_reason for c in chunks[-2:]] == ["stop", "stop"]


def test_embeddings_float_and_base64_agree(openai_server: OpenAICompatibleServer) -> None:
    client = make_client(openai_server)
    inputs = ["alpha", "beta"]
    as_float = client.embeddings.create(model="text-embedding-3-small", input=inputs, encoding_format="float")
    default = client.embeddings.create(model="text-embedding-3-small", input=inputs)  # SDK asks for base64
    single = client.embeddings.create(model="text-embedding-3-small", input="alpha", encoding_format="float")

    assert openai_server.requests[1].json is not None
    assert openai_server.requests[1].json["encoding_format"] == "base64"
    assert [d.embedding for d in as_float.data] == [d.embedding for d in default.data]
    assert [d.index for d in as_float.data] == [0, 1]
    assert len(as_float.data[0].embedding) == 8
    assert as_float.data[0].embedding != as_float.data[1].embedding
    assert single.data[0].embedding == as_float.data[0].embedding
    assert as_float.usage.prompt_tokens == as_float.usage.total_tokens == 2


def test_models_list(openai_server: OpenAICompatibleServer) -> None:
    models = make_client(openai_server).models.list()
    assert [m.id for m in models.data] == ["gpt-4o-mini", "text-embedding-3-small"]
    assert models.data[0].created == 1686935002
    assert models.data[0].owned_by == "system"


def test_simulated_errors(openai_server: OpenAICompatibleServer) -> None:
    client = make_client(openai_server)
    with pytest.raises(openai.RateLimitError) as rate_limited:
        client.chat.completions.create(model="error-429", messages=ask("hi"))
    assert rate_limited.value.status_code == 429
    assert rate_limited.value.response.headers["retry-after"] == "0"
    assert rate_limited.value.code == "rate_limit_exceeded"
    assert "Simulated 429 error" in rate_limited.value.message

    with pytest.raises(openai.InternalServerError) as server_error:
        client.chat.completions.create(model="error-500", messages=ask("hi"), stream=True)
    assert server_error.value.status_code == 500
    with pytest.raises(openai.BadRequestError):
        client.embeddings.create(model="error-400", input="x")
    assert len(openai_server.requests) == 3  # max_retries=0: no retry


def test_identical_calls_differ_only_in_per_call_fields(openai_server: OpenAICompatibleServer) -> None:
    client = make_client(openai_server)
    raw = [
        client.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=ask(SUN_QUESTION))
        for _ in range(2)
    ]
    first, second = (r.parse() for r in raw)
    assert first.choices[0].message.content == second.choices[0].message.content
    assert first.id != second.id
    assert raw[0].headers["x-request-id"] != raw[1].headers["x-request-id"]
    assert raw[0].headers["x-request-id"].startswith("req_")


def test_stop_refuses_new_connections(openai_server: OpenAICompatibleServer) -> None:
    client = make_client(openai_server)
    client.models.list()  # leaves a pooled keep-alive connection behind
    openai_server.stop()
    with pytest.raises(openai.APIConnectionError):
        client.models.list()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", openai_server.port), timeout=5)


def test_restart_on_same_port(openai_server: OpenAICompatibleServer) -> None:
    port = openai_server.port
    openai_server.stop()
    with OpenAICompatibleServer(port=port) as again:
        assert again.base_url == f"http://127.0.0.1:{port}/v1"
        assert make_client(again).models.list().data[0].id == "gpt-4o-mini"


def test_raw_http_errors_and_keep_alive(openai_server: OpenAICompatibleServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", openai_server.port, timeout=5)
    conn.request("GET", "/v1/nope?x=1")
    missing = conn.getresponse()
    assert missing.status == 404
    assert json.loads(missing.read())["error"]["type"] == "invalid_request_error"
    kept_alive = conn.sock

    conn.request(
        "POST", "/v1/chat/completions", body=b"{not json", headers={"Content-Type": "application/json"}
    )
    malformed = conn.getresponse()
    assert malformed.status == 400
    assert malformed.getheader("Content-Length") is not None
    assert "error" in json.loads(malformed.read())
    assert conn.sock is kept_alive is not None  # both requests went over one connection
    conn.close()
    assert [r.path for r in openai_server.requests] == ["/v1/nope?x=1", "/v1/chat/completions"]
    assert openai_server.requests[1].json is None


def test_each_sse_event_is_its_own_http_chunk(openai_server: OpenAICompatibleServer) -> None:
    body = json.dumps({"model": "m", "prompt": "one two", "stream": True}).encode()
    with socket.create_connection(("127.0.0.1", openai_server.port), timeout=5) as sock:
        sock.sendall(
            b"POST /v1/completions HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        )
        reader = sock.makefile("rb")
        head = b"".join(iter(reader.readline, b"\r\n")).lower()
        assert b"transfer-encoding: chunked" in head
        assert b"content-type: text/event-stream" in head
        chunks = []
        while size := int(reader.readline(), 16):
            chunks.append(reader.read(size))
            assert reader.read(2) == b"\r\n"
        assert reader.read(2) == b"\r\n"
    assert all(c.startswith(b"data: ") and c.endswith(b"\n\n") and c.count(b"data: ") == 1 for c in chunks)
    assert chunks[-1] == b"data: [DONE]\n\n"
    assert "".join(json.loads(c[6:])["choices"][0]["text"] for c in chunks[:-1]) == "Echo: one two"


def test_chat_tool_call_ids_round_trip(openai_server: OpenAICompatibleServer) -> None:
    client = make_client(openai_server)
    messages = ask("weather in Paris")
    first, second = (
        client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=[WEATHER_TOOL])
        for _ in range(2)
    )
    message = first.choices[0].message
    assert first.choices[0].finish_reason == "tool_calls"
    assert message.content is None
    assert message.tool_calls is not None and len(message.tool_calls) == 1
    call = message.tool_calls[0]
    assert call.type == "function"
    assert CALL_ID.fullmatch(call.id)
    assert (call.function.name, json.loads(call.function.arguments)) == (
        "get_weather",
        {"query": "weather in Paris"},
    )
    assert second.choices[0].message.tool_calls is not None
    assert second.choices[0].message.tool_calls[0].id != call.id  # random per call, like the real API

    answered = client.chat.completions.create(
        model="gpt-4o-mini",
        tools=[WEATHER_TOOL],
        messages=[
            *messages,
            {"role": "assistant", "tool_calls": [call.model_dump()]},  # type: ignore[list-item]
            {"role": "tool", "tool_call_id": call.id, "content": "sunny"},
        ],
    )
    assert answered.choices[0].message.content == "Tool said: sunny"
    assert answered.choices[0].finish_reason == "stop"

    with pytest.raises(openai.BadRequestError) as unknown:
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[
                *messages,
                {"role": "tool", "tool_call_id": "call_madeUpByTheClient0000", "content": "x"},
            ],
        )
    assert "call_madeUpByTheClient0000" in unknown.value.message
    assert "unknown" in unknown.value.message
    assert unknown.value.param == "messages.[2].tool_call_id"


def test_chat_tool_call_stream_deltas(openai_server: OpenAICompatibleServer) -> None:
    client = make_client(openai_server)
    chunks = list(
        client.chat.completions.create(
            model="gpt-4o-mini", messages=ask("weather in Paris today"), tools=[WEATHER_TOOL], stream=True
        )
    )
    deltas = [c.choices[0].delta for c in chunks]
    opening = deltas[0].tool_calls
    assert opening is not None and opening[0].function is not None
    assert (deltas[0].role, opening[0].index, opening[0].type) == ("assistant", 0, "function")
    assert (opening[0].function.name, opening[0].function.arguments) == ("get_weather", "")
    assert opening[0].id is not None and CALL_ID.fullmatch(opening[0].id)
    pieces = [d.tool_calls[0] for d in deltas[1:-1] if d.tool_calls]
    assert len(pieces) > 1 and all(p.id is None and p.function is not None for p in pieces)
    arguments = "".join(p.function.arguments or "" for p in pieces if p.function)
    assert json.loads(arguments) == {"query": "weather in Paris today"}
    assert chunks[-1].choices[0].finish_reason == "tool_calls"

    # The SDK's stream helper accumulates the deltas into the message a non-streamed call returns.
    with client.chat.completions.stream(
        model="gpt-4o-mini", messages=ask("weather in Rome"), tools=[WEATHER_TOOL]
    ) as stream:
        final = stream.get_final_completion()
    calls = final.choices[0].message.tool_calls
    assert calls is not None and calls[0].type == "function"
    assert json.loads(calls[0].function.arguments) == {"query": "weather in Rome"}
    assert calls[0].id != opening[0].id


def test_async_chat_tool_call_then_tool_result(openai_server: OpenAICompatibleServer) -> None:
    async def main() -> None:
        client = make_async_client(openai_server)
        asked = await client.chat.completions.create(
            model="gpt-4o-mini", messages=ask("weather?"), tools=[WEATHER_TOOL]
        )
        assert asked.choices[0].message.tool_calls is not None
        call_id = asked.choices[0].message.tool_calls[0].id
        stream = await client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "tool", "tool_call_id": call_id, "content": "rain all day"}],
            stream=True,
        )
        assert "".join([c.choices[0].delta.content or "" async for c in stream]) == "Tool said: rain all day"
        await client.close()

    asyncio.run(main())


def test_chat_structured_output_parses(openai_server: OpenAICompatibleServer) -> None:
    client = make_client(openai_server)
    parsed = client.chat.completions.parse(
        model="gpt-4o-mini", messages=ask(PARIS.model_dump_json()), response_format=City
    )
    assert parsed.choices[0].message.parsed == PARIS
    sent = openai_server.requests[-1].json
    assert sent is not None and sent["response_format"]["type"] == "json_schema"

    with pytest.raises(openai.BadRequestError) as not_json:
        client.chat.completions.parse(
            model="gpt-4o-mini", messages=ask("Paris, please"), response_format=City
        )
    assert "not JSON" in not_json.value.message


def test_path_parameters_and_methods_route_exactly(openai_server: OpenAICompatibleServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", openai_server.port, timeout=5)
    for method, path in [
        ("GET", "/v1/responses/"),
        ("DELETE", "/v1/responses/resp_x"),
        ("GET", "/v1/files/a/b"),
    ]:
        conn.request(method, path)
        answer = conn.getresponse()
        assert answer.status == 404, (method, path)
        assert json.loads(answer.read())["error"]["message"] == f"Invalid URL ({method} {path})"
    conn.request("POST", "/v1/files", body=b"{}", headers={"Content-Type": "application/json"})
    not_a_form = conn.getresponse()
    assert not_a_form.status == 400
    assert "multipart/form-data" in json.loads(not_a_form.read())["error"]["message"]
    conn.close()


def test_known_questions_get_a_models_answer_and_a_repeat_in_caps_uses_the_last_one(
    openai_server: OpenAICompatibleServer,
) -> None:
    client = make_client(openai_server)
    question = "Which planet has rings around it with a name starting with letter S?"
    first = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": question}])
    answer = first.choices[0].message.content or ""
    again = client.chat.completions.create(
        model="gpt-4o",
        messages=[
            {"role": "user", "content": question},
            {"role": "assistant", "content": answer},
            {"role": "user", "content": "Repeat your previous response in all caps."},
        ],
    )
    assert answer == SATURN_ANSWER
    assert again.choices[0].message.content == SATURN_ANSWER.upper()


def test_json_schema_with_examples_answers_the_first_example_for_a_plain_text_prompt(
    openai_server: OpenAICompatibleServer,
) -> None:
    example = {"question": "Which gas do plants take in?", "answer": "Carbon dioxide"}
    schema = {"type": "object", "properties": {"question": {"type": "string"}}, "examples": [example]}
    response_format: Any = {"type": "json_schema", "json_schema": {"name": "card", "schema": schema}}
    client = make_client(openai_server)
    plain = client.chat.completions.create(
        model="gpt-4o", messages=ask("a card on plants"), response_format=response_format
    )
    as_json = client.chat.completions.create(
        model="gpt-4o", messages=ask('{"question": "q?"}'), response_format=response_format
    )
    assert json.loads(plain.choices[0].message.content or "") == example
    assert json.loads(as_json.choices[0].message.content or "") == {"question": "q?"}  # JSON still echoes


def test_embeddings_with_dimensions_are_word_vectors_that_rank_shared_words_first(
    openai_server: OpenAICompatibleServer,
) -> None:
    client = make_client(openai_server)
    texts = ["How do plants make sugar from light?", "Plants make sugar from light.", "Rome fell in 476."]
    as_float = client.embeddings.create(model="m", input=texts, dimensions=64, encoding_format="float")
    default = client.embeddings.create(model="m", input=texts, dimensions=64)  # base64 on the wire
    vectors = [d.embedding for d in as_float.data]

    def cosine(a: list[float], b: list[float]) -> float:
        return sum(x * y for x, y in zip(a, b, strict=True))

    assert vectors == [d.embedding for d in default.data]
    assert all(len(v) == 64 for v in vectors)
    assert cosine(vectors[0], vectors[1]) > 0.8 > cosine(vectors[0], vectors[2])
