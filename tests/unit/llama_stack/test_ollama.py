"""The request the ollama SDK sends for arguments llama-stack recorded, and the path it sends them to."""

from __future__ import annotations

import pytest

from pytest_llmrec.llama_stack import ollama

pytest.importorskip("ollama")


def typed(kind: str, stream: bool = False) -> dict:
    item = {"__type__": f"ollama._types.{kind}", "__data__": {}}
    return {"request": {}, "response": {"body": [item] if stream else item}}


def test_chat_gains_the_fields_the_sdk_always_sends():
    arguments = {"model": "m", "messages": [{"role": "user", "content": "hi", "images": None}]}
    assert ollama.sent_body("/api/chat", arguments) == {
        "model": "m",
        "messages": [{"role": "user", "content": "hi"}],
        "tools": [],
        "stream": False,
    }


def test_recorded_values_win_over_the_sdk_defaults():
    arguments = {"model": "m", "prompt": "p", "stream": True, "options": {"temperature": 0.0}}
    assert ollama.sent_body("/api/generate", arguments) == arguments


def test_arguments_the_sdk_refuses_are_kept_as_recorded():
    assert ollama.sent_body("/api/chat", {"messages": []}) == {"messages": []}  # no model
    assert ollama.sent_body("/api/ps", {}) == {}


def test_embed_was_filed_under_api_embeddings():
    assert ollama.sent_path("/api/embeddings", typed("EmbedResponse")) == "/api/embed"
    assert ollama.sent_path("/api/embeddings", typed("EmbeddingsResponse")) == "/api/embeddings"
    assert ollama.sent_path("/api/generate", typed("GenerateResponse", stream=True)) == "/api/generate"


def test_response_type_reads_a_streams_first_event():
    assert ollama.response_type(typed("ChatResponse", stream=True)) == "ollama._types.ChatResponse"
    assert ollama.response_type({"response": {"body": {"__type__": "openai.X", "__data__": {}}}}) is None
