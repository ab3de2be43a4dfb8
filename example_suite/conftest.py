"""Replay needs no key, but the SDK refuses to build a client without one: give it a dummy."""

import os

import openai
import pytest

os.environ.setdefault("OPENAI_API_KEY", "sk-replay-needs-no-key")


@pytest.fixture
def client() -> openai.OpenAI:
    return openai.OpenAI()


@pytest.fixture
def async_client() -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI()
