import pytest
import requests
from clients import FILES_URL, anthropic_client, openai_client


@pytest.mark.vcr
def test_embeddings():
    result = openai_client().embeddings.create(model="text-embedding-3-small", input=["sun", "moon"])
    assert [len(item.embedding) for item in result.data] == [8, 8]


@pytest.mark.vcr
def test_responses_streamed():
    events = list(openai_client().responses.create(model="gpt-4o-mini", input="Say hello", stream=True))
    text = "".join(event.delta for event in events if event.type == "response.output_text.delta")
    assert text == "Echo: Say hello"
    assert events[-1].type == "response.completed"


@pytest.mark.vcr
def test_anthropic_streamed():
    with anthropic_client().messages.stream(
        model="claude-3-5-haiku-latest", max_tokens=64, messages=[{"role": "user", "content": "Bonjour"}]
    ) as stream:
        text = "".join(stream.text_stream)
    assert text == "Echo: Bonjour"


@pytest.mark.vcr
def test_gzip_response():
    response = requests.get(f"{FILES_URL}/status.json", timeout=5)
    assert response.json() == {"status": "ok", "region": "eu"}


@pytest.mark.vcr(decode_compressed_response=False)
def test_gzip_response_stored_compressed():
    response = requests.get(f"{FILES_URL}/status.json", timeout=5)
    assert response.json() == {"status": "ok", "region": "eu"}
