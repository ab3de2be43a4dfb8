"""What a recorded request asked, read from the SDKs' request bodies."""

from __future__ import annotations

from pytest_llmrec.reading.prompts import Turn, tools, turns


def test_chat_messages_with_parts_tool_calls_and_tool_results():
    body = {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "What is this?"}, {"type": "image_url"}]},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"function": {"name": "look", "arguments": "{}"}}],
            },
            {"role": "tool", "content": "a cat"},
        ],
        "tools": [{"type": "function", "function": {"name": "look"}}],
    }
    assert turns(body) == [
        Turn("system", "Be brief."),
        Turn("user", "What is this?\n[image]"),
        Turn("assistant", "[tool call] look {}"),
        Turn("tool", "a cat"),
    ]
    assert tools(body) == ["look"]


def test_anthropic_system_and_blocks():
    body = {
        "system": [{"type": "text", "text": "You are terse."}],
        "messages": [
            {"role": "assistant", "content": [{"type": "tool_use", "name": "calc", "input": {"x": 1}}]},
            {"role": "user", "content": [{"type": "tool_result", "content": "2"}]},
        ],
        "tools": [{"name": "calc", "input_schema": {}}],
    }
    assert turns(body) == [
        Turn("system", "You are terse."),
        Turn("assistant", '[tool call] calc {"x":1}'),
        Turn("user", "[tool result] 2"),
    ]
    assert tools(body) == ["calc"]


def test_responses_input_items_instructions_and_a_plain_body():
    body = {
        "instructions": "Answer in Latin.",
        "input": [
            {"role": "user", "content": [{"type": "input_text", "text": "sun?"}]},
            {"type": "function_call", "name": "lookup", "arguments": '{"q": "sun"}'},
            {"type": "function_call_output", "output": "sol"},
        ],
    }
    assert turns(body) == [
        Turn("instructions", "Answer in Latin."),
        Turn("user", "sun?"),
        Turn("tool call", 'lookup {"q": "sun"}'),
        Turn("tool result", "sol"),
    ]
    assert turns({"size": "1024x1024"}) == [Turn("body", '{"size":"1024x1024"}')]
    assert turns(None) == []
