"""The line after a refused connection: which variable named the server, and the error behind the SDK's."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_llmrec.recorder import Exchange
from pytest_llmrec.unreachable import context_line, named_by, root_cause


@pytest.mark.parametrize(
    ("url", "environ", "named"),
    [
        ("http://127.0.0.1:9/v1/chat", {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}, "OPENAI_BASE_URL"),
        (
            "https://x.openai.azure.com/openai/deployments/d/chat",
            {"AZURE_OPENAI_ENDPOINT": "https://X.openai.azure.com"},
            "AZURE_OPENAI_ENDPOINT",
        ),
        (
            "https://api.anthropic.com/v1/messages",
            {"ANTHROPIC_BASE_URL": "https://api.anthropic.com:443"},
            "ANTHROPIC_BASE_URL",
        ),
        ("http://localhost:11434/api/chat", {"OLLAMA_HOST": "localhost"}, "OLLAMA_HOST"),
        ("http://127.0.0.1:8000/api/chat", {"OLLAMA_HOST": "127.0.0.1:8000"}, "OLLAMA_HOST"),
        ("http://127.0.0.1:9/v1/chat", {"OPENAI_BASE_URL": "http://127.0.0.1:10/v1"}, None),
        ("http://127.0.0.1:9/v1/chat", {"OPENAI_BASE_URL": "https://127.0.0.1:9/v1"}, None),
        ("http://127.0.0.1:9/v1/chat", {"OPENAI_BASE_URL": "http://[bad"}, None),
        ("http://127.0.0.1:9/v1/chat", {}, None),
    ],
)
def test_the_variable_is_named_only_when_its_value_has_the_urls_origin(url, environ, named):
    found = named_by(url, environ)
    assert (found.partition("=")[0] if found else None) == named


def test_the_error_shown_is_the_oserror_at_the_bottom_of_the_chain():
    try:
        try:
            raise ConnectionRefusedError(111, "Connection refused")
        except OSError as inner:
            raise RuntimeError("Connection error.") from inner
    except RuntimeError as outer:
        assert isinstance(root_cause(outer), ConnectionRefusedError)
    assert isinstance(root_cause(ValueError("x")), ValueError)


def test_no_line_when_every_live_request_got_its_response():
    assert context_line("rewrite", [], None, {}) is None


def test_retries_of_one_url_are_counted_and_other_urls_mentioned():
    tried = [Exchange("POST", "http://h:1/v1/a", "k", Path("a.json"))] * 3
    tried.append(Exchange("GET", "http://h:1/v1/models", "k2", Path("b.json")))
    assert context_line("live", tried, None, {}) == (
        "pytest-llmrec: in mode 'live', POST http://h:1/v1/a (3 attempts) and 1 other URL(s) got no response"
    )
