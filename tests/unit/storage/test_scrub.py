"""Secrets never reach disk: credential values scrubbed, key-shaped strings refused with their field."""

from __future__ import annotations

import pytest

from pytest_llmrec.errors import SecretInRecordingError
from pytest_llmrec.storage import codec
from pytest_llmrec.storage.recording import Recording, StoredRequest
from pytest_llmrec.storage.scrub import Scrubber
from pytest_llmrec.storage.store import Store

PLANTED = "sk-proj-PLANTEDabcdefghijklmnopqrstuvwxyz0123456789"


def recording(prompt: str, answer: str) -> Recording:
    body = {"model": "m", "messages": [{"role": "user", "content": prompt}]}
    return Recording(
        "t",
        StoredRequest("POST", "https://x/v1/chat/completions", body, "/v1/chat/completions"),
        codec.StoredResponse(200, codec.JSON, {"answer": answer}),
    )


def test_credential_values_are_replaced_wherever_they_appear(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", PLANTED)
    monkeypatch.setenv("MY_SERVICE_TOKEN", "tok-0123456789")
    path = tmp_path / "r.json"
    store = Store(tmp_path, Scrubber(("OPENAI_API_KEY", "MY_SERVICE_TOKEN")))

    store.write(path, recording(f"my key is {PLANTED}", "token tok-0123456789 seen"), overwrite=False)

    text = path.read_text()
    assert PLANTED not in text and "tok-0123456789" not in text
    assert "my key is <OPENAI_API_KEY>" in text and "token <MY_SERVICE_TOKEN> seen" in text


def test_short_values_are_not_treated_as_secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "x")
    Store(tmp_path).write(tmp_path / "r.json", recording("x marks the spot", "x"), overwrite=False)
    assert "x marks the spot" in (tmp_path / "r.json").read_text()


@pytest.mark.parametrize(
    ("secret", "kind"),
    [
        (PLANTED, "an OpenAI key"),
        ("AKIAABCDEFGHIJKLMNOP", "an AWS access key id"),
        ("AIza" + "A" * 35, "a Google API key"),
        ("hf_" + "a" * 34, "a Hugging Face token"),
    ],
)
def test_a_key_that_no_variable_names_is_refused_with_its_field(tmp_path, monkeypatch, secret, kind):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    path = tmp_path / "r.json"
    with pytest.raises(SecretInRecordingError) as refused:
        Store(tmp_path).write(path, recording("hello", f"here: {secret}"), overwrite=False)
    assert str(refused.value).startswith(
        f"{path}: not written: response.body.answer holds what looks like {kind}"
    )
    assert not list(tmp_path.iterdir())  # not even a temporary file


def test_configured_body_paths_are_scrubbed_in_requests_and_in_every_stream_event(tmp_path):
    from pytest_llmrec.jsonpath import JsonPath

    rec = recording("hello", "x")
    request = {**rec.request.body, "user": "alice@example.com", "metadata": {"session": "s-1", "keep": 1}}
    events = [{"__type__": "t", "__data__": {"user": "alice@example.com", "n": i}} for i in range(2)]
    rec = Recording(
        rec.scope,
        StoredRequest("POST", rec.request.url, request, rec.request.endpoint),
        codec.StoredResponse(200, codec.SSE, events, "text/event-stream"),
    )
    paths = (JsonPath.parse("user"), JsonPath.parse("metadata.session"))
    Store(tmp_path, Scrubber(body_paths=paths)).write(tmp_path / "r.json", rec, overwrite=False)
    text = (tmp_path / "r.json").read_text()
    assert "alice@example.com" not in text and "s-1" not in text
    assert text.count('"<scrubbed>"') == 4 and '"keep": 1' in text
