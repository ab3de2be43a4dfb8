"""Tests of app.py: recorded once against a server, replayed offline from recordings/ ever since."""

import asyncio

import pytest

import app

pytestmark = pytest.mark.llm_recording


def test_latin_name_of_the_sun(client):
    assert "Sol" in app.ask(client, "What's the name of the Sun in latin?")


def test_streamed_answer_arrives_in_pieces(client):
    pieces = app.ask_streaming(client, "What's the name of the Sun in latin?")
    assert len(pieces) > 3
    assert "".join(pieces) == "The Latin name of the Sun is Sol."


def test_questions_asked_concurrently(async_client):
    answers = asyncio.run(app.ask_many(async_client, ["one", "two", "three"]))
    assert answers == ["Echo: one", "Echo: two", "Echo: three"]


def test_a_text_is_most_similar_to_itself(client):
    assert app.similarity(client, "sun", "sun") == pytest.approx(1.0)
    assert app.similarity(client, "sun", "moon") < 1.0


@pytest.mark.llm_recording(ignore="metadata")
def test_metadata_does_not_change_the_recording(client, llm_recorder):
    answer = client.chat.completions.create(
        model=app.MODEL, messages=[{"role": "user", "content": "hello"}], metadata={"run": "any value"}
    )
    assert answer.choices[0].message.content == "Echo: hello"
    if llm_recorder.mode == "replay":
        assert llm_recorder.replayed and not llm_recorder.sent  # nothing went to the network


@pytest.mark.llm_recording(name="model catalogue")
class TestModels:
    """Both tests share one scope, so the models list is recorded once."""

    def test_chat_model_is_listed(self, client):
        assert app.MODEL in {model.id for model in client.models.list()}

    def test_embedding_model_is_listed(self, client):
        assert "text-embedding-3-small" in {model.id for model in client.models.list()}
