"""Tests of app.py: recorded once per provider, replayed offline from recordings/<provider>/ ever since."""

import asyncio

import pytest

import app

pytestmark = pytest.mark.llm_recording


def test_latin_name_of_the_sun(assistant):
    assert "Sol" in assistant.ask("What's the name of the Sun in latin?")


def test_streamed_answer_arrives_in_pieces(assistant):
    pieces = assistant.ask_streaming("What's the name of the Sun in latin?")
    assert len(pieces) > 3
    assert "".join(pieces) == "The Latin name of the Sun is Sol."


def test_questions_asked_concurrently(async_assistant):
    answers = asyncio.run(async_assistant.ask_many(["one", "two", "three"]))
    assert answers == ["Echo: one", "Echo: two", "Echo: three"]


def test_a_text_is_most_similar_to_itself(client, provider):
    if provider.embedding_model is None:
        pytest.skip(f"{provider.name} serves no embedding model in this suite")
    assert app.similarity(client, provider.embedding_model, "sun", "sun") == pytest.approx(1.0)
    assert app.similarity(client, provider.embedding_model, "sun", "moon") < 1.0


@pytest.mark.llm_recording(ignore="metadata")
def test_metadata_does_not_change_the_recording(client, provider, llm_recorder):
    answer = client.chat.completions.create(
        model=provider.chat_model,
        messages=[{"role": "user", "content": "hello"}],
        metadata={"run": "any value"},
    )
    assert answer.choices[0].message.content == "Echo: hello"
    if llm_recorder.mode == "replay":
        assert llm_recorder.replayed and not llm_recorder.sent  # nothing went to the network


@pytest.mark.llm_recording(name="model catalogue")
class TestModels:
    """Both tests share one scope, so the models list is recorded once."""

    def test_chat_model_is_listed(self, client, provider):
        if not provider.lists_models:
            pytest.skip(f"{provider.name} lists its own model ids")
        assert provider.chat_model in {model.id for model in client.models.list()}

    def test_embedding_model_is_listed(self, client, provider):
        if not provider.lists_models:
            pytest.skip(f"{provider.name} lists its own model ids")
        assert provider.embedding_model in {model.id for model in client.models.list()}
