import pytest
from clients import ask, openai_client


@pytest.mark.vcr
def test_chat_completion():
    assert ask("What is the capital of France?") == "Echo: What is the capital of France?"


@pytest.mark.vcr
def test_chat_completion_streamed():
    stream = openai_client().chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Say hi"}], stream=True
    )
    assert (
        "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices) == "Echo: Say hi"
    )


@pytest.mark.vcr
def test_play_count(vcr):
    assert ask("Count me") == "Echo: Count me"
    if vcr.record_mode == "none":
        assert vcr.play_count == 1
        assert vcr.all_played


@pytest.mark.vcr
def test_retry_after_a_rate_limit(vcr):
    assert ask("Retry me", model="flaky-429", max_retries=2) == "Echo: Retry me"
    assert [response["status"]["code"] for response in vcr.responses] == [429, 200]


@pytest.mark.vcr(match_on=["method", "scheme", "host", "port", "path", "query", "body"])
def test_two_bodies_on_one_url():
    assert [ask("first"), ask("second")] == ["Echo: first", "Echo: second"]


@pytest.mark.vcr(match_on=["method", "path", "model"])
def test_custom_matcher():
    assert ask("Which model answers?").startswith("Echo: ")


class TestTopics:
    @pytest.mark.vcr
    @pytest.mark.parametrize("topic", ["cats", "dogs/wolves"], ids=["cats", "dogs/wolves"])
    def test_ask_about(self, topic):
        assert ask(f"Tell me about {topic}") == f"Echo: Tell me about {topic}"


@pytest.mark.vcr
@pytest.mark.default_cassette("shared")
def test_list_models():
    assert "gpt-4o-mini" in [model.id for model in openai_client().models.list()]


@pytest.mark.vcr("shared.yaml")
def test_models_from_the_shared_cassette():
    assert "gpt-4o-mini" in [model.id for model in openai_client().models.list()]
