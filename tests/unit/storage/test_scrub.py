"""Secrets never reach disk: credential values scrubbed, key-shaped strings refused with their field."""

from __future__ import annotations

import base64
import json

import pytest

from pytest_llmrec.errors import SecretInRecordingError
from pytest_llmrec.storage import codec
from pytest_llmrec.storage.recording import Recording, StoredRequest
from pytest_llmrec.storage.scrub import Scrubber
from pytest_llmrec.storage.store import Store

PLANTED = "sk-" + "proj-PLANTEDabcdefghijklmnopqrstuvwxyz0123456789"  # in two, so no file holds a key


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
        ("AK" + "IAABCDEFGHIJKLMNOP", "an AWS access key id"),
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


OPAQUE = "opaque-" + "0123456789abcdef"


def echoed(body, fmt=codec.JSON, stream=None):
    """A recording whose response holds what the request carried, as an echoing server sends it back."""
    request = {"model": "m", "password": "pw-0123456789", "nested": {"apiKey": "short"}}
    return Recording(
        "t",
        StoredRequest("POST", "https://x/v1/chat/completions", request, "/v1/chat/completions"),
        codec.StoredResponse(200, fmt, body, None, stream or {}),
    )


def learned_scrubber():
    scrubber = Scrubber(environ={})
    scrubber.learn(
        "https://x/v1/chat/completions?auth=auth-0123456789",
        [("Authorization", f"Bearer {OPAQUE}"), ("Cookie", "s=cookie-0123456789")],
        b'{"password": "pw-0123456789"}',
        "application/json",
    )
    return scrubber


def test_what_a_request_carried_is_replaced_in_the_response_and_fields_by_name_in_the_request(tmp_path):
    answer = {"echo": f"Bearer {OPAQUE}; s=cookie-0123456789; ?auth=auth-0123456789; pw-0123456789"}
    Store(tmp_path, learned_scrubber()).write(tmp_path / "r.json", echoed(answer), overwrite=False)
    document = json.loads((tmp_path / "r.json").read_text())
    assert document["response"]["body"] == {
        "echo": "<header authorization>; <header cookie>; ?auth=<query auth>; <field password>"
    }
    assert document["request"]["body"] == {
        "model": "m",
        "password": "<field password>",
        "nested": {"apiKey": "<field apiKey>"},  # a named field is replaced whatever its length
    }


def test_a_credential_split_across_stream_events_is_replaced_in_the_joined_text(tmp_path):
    secret = OPAQUE
    encoded = base64.b64encode(f"x {secret} y".encode()).decode()
    text = f"a {secret} b {encoded} c"
    events = [{"choices": [{"delta": {"content": text[i : i + 5]}}]} for i in range(0, len(text), 5)]
    Store(tmp_path, learned_scrubber()).write(
        tmp_path / "r.json", echoed(events, codec.SSE, {"terminator": "[DONE]"}), overwrite=False
    )
    stored = json.loads((tmp_path / "r.json").read_text())["response"]["body"]
    joined = "".join(event["choices"][0]["delta"]["content"] for event in stored)
    assert len(stored) == len(events)
    relabelled = base64.b64encode(b"x <header authorization> y").decode()
    assert joined == f"a <header authorization> b {relabelled} c"


def test_a_binary_body_is_searched_and_its_size_follows(tmp_path):
    raw = b"\x00\xff" + OPAQUE.encode() + b"\xfe"
    rec = echoed(base64.b64encode(raw).decode(), codec.BASE64)
    Store(tmp_path, learned_scrubber()).write(tmp_path / "r.json", rec, overwrite=False)
    response = json.loads((tmp_path / "r.json").read_text())["response"]
    cleaned = b"\x00\xff<header authorization>\xfe"
    assert base64.b64decode(response["body"]) == cleaned and response["size"] == len(cleaned)


def test_a_logprob_token_in_a_response_is_not_a_credential(tmp_path):
    logprobs = {"content": [{"token": "Hello", "logprob": -0.1}], "secret": "s-0123456789"}
    Store(tmp_path, Scrubber(environ={})).write(tmp_path / "r.json", echoed(logprobs), overwrite=False)
    body = json.loads((tmp_path / "r.json").read_text())["response"]["body"]
    assert body == {"content": [{"token": "Hello", "logprob": -0.1}], "secret": "<field secret>"}


def test_a_key_split_across_events_that_no_one_named_is_refused(tmp_path):
    events = [{"delta": {"text": piece}} for piece in ("sk-" + "proj-AAAA", "BBBBCCCCDDDDEEEEFFFF", "GGGG")]
    rec = echoed(events, codec.SSE, {"terminator": None})
    with pytest.raises(SecretInRecordingError) as refused:
        Store(tmp_path, Scrubber(environ={})).write(tmp_path / "r.json", rec, overwrite=False)
    assert str(refused.value).startswith(
        f"{tmp_path / 'r.json'}: not written: response.body[*].delta.text (joined across stream events) "
        "holds what looks like an OpenAI key."
    )


def test_messages_lose_known_credentials_and_anything_key_shaped():
    text = f"sent Bearer {OPAQUE} with {PLANTED} and {'sk_' + 'live_' + 'a' * 24}"
    assert learned_scrubber().scrub_text(text) == (
        "sent <header authorization> with <an OpenAI key> and <a Stripe secret key>"
    )
