"""The answer of a recording as the SDK's user saw it: streams joined, tool calls assembled."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from pytest_llmrec.reading import found
from pytest_llmrec.reading.answers import Part, assemble
from pytest_llmrec.storage import recording

ZOO = Path(__file__).parents[2] / "data" / "recordings_zoo"
CORPUS = Path(__file__).parents[4] / "shared" / "llama_stack_recordings"

EXPECTED = {
    "chat_stream_two_choices": [
        Part("choice 0 (stop)", "The Latin name of the Sun is Sol."),
        Part("choice 1 (stop)", "The Latin name of the Sun is Sol. (choice 1)"),
    ],
    "chat_tool_call_stream": [Part("tool call lookup", '{"query":"the word luna"}')],
    "chat_tool_call": [Part("tool call lookup", '{"query":"the word luna"}')],
    "azure_chat": [Part("choice 0 (stop)", "Echo: hi")],
    "completion_stream": [Part("choice 0", "Echo: Say hi")],
    "embeddings": [Part("embedding 0", "8 dimensions"), Part("embedding 1", "8 dimensions")],
    "models": [Part("list", "gpt-4o-mini, text-embedding-3-small")],
    "responses_stream": [Part("output message", "Echo: Async")],
    "responses_function_call": [Part("tool call lookup", '{"query":"the word sol"}')],
    "anthropic_stream": [Part("text", "Echo: Hello Claude"), Part("stop reason", "end_turn")],
    "anthropic_tool_use": [
        Part("tool call lookup", '{"query":"the word sol"}'),
        Part("stop reason", "tool_use"),
    ],
    "anthropic_rate_limited": [Part("error (rate_limit_error)", "Simulated 429 error")],
    "ollama_chat_stream": [Part("message", "Echo: Hello llama")],
    "ollama_generate_stream": [Part("response", "Echo: Hi")],
    "ollama_embed": [Part("embedding 0", "8 dimensions"), Part("embedding 1", "8 dimensions")],
    "ollama_error": [Part("error", 'model "missing-model" not found, try pulling it first')],
}


def _read(name: str) -> recording.Recording:
    path = ZOO / f"{name}.json"
    return recording.loads(path.read_bytes(), path)


def test_every_file_of_the_zoo_is_expected():
    assert sorted(path.stem for path in ZOO.glob("*.json")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_answer_reads_as_the_user_saw_it(name):
    assert assemble(_read(name)).parts == EXPECTED[name]


def test_a_stream_gives_its_model_and_token_counts():
    answer = assemble(_read("anthropic_stream"))
    assert answer.model == "claude-sonnet-4-6"
    assert (answer.tokens.input, answer.tokens.output, answer.tokens.total) == (2, 3, 5)


def test_an_azure_stream_whose_first_chunk_has_no_object_is_still_a_chat_stream():
    chunk = {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": "Hi"}}]}
    filter_chunk = {"object": "", "choices": [], "prompt_filter_results": []}
    found_ = recording.from_document(
        {
            "request": {
                "method": "POST",
                "url": "https://x.openai.azure.com/openai/deployments/d/chat/completions",
            },
            "response": {"body": [filter_chunk, chunk], "is_streaming": True},
        },
        Path("azure.json"),
    )
    assert assemble(found_).parts == [Part("choice 0", "Hi")]


@pytest.mark.skipif(not CORPUS.is_dir(), reason="llama-stack's recordings are not beside the repository")
def test_llama_stacks_recordings_of_real_providers_read_as_answers():
    """3,000 recordings of OpenAI, Azure, Gemini, Bedrock, Ollama, vLLM and Anthropic, none of them ours."""
    harvest = found.harvest([CORPUS])
    labels = Counter()
    for each in harvest.recordings:
        parts = assemble(each.recording).parts
        assert parts, each.path
        labels[parts[0].label.split(" ")[0]] += 1
    assert len(harvest.recordings) > 3000
    unread = labels["stream"] + labels["body"]
    # What is left: 16 answers whose body is null, a few Gemini Interactions streams stored as raw text.
    assert unread <= 40, labels
    assert labels["choice"] > 2000 and labels["tool"] > 300 and labels["candidate"] > 100
