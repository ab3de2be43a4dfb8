"""Clients built from the environment, as an application builds them.

In replay mode pytest-llmrec sets a placeholder OPENAI_API_KEY when none is set, so
these run offline with no key at all.
"""

import openai
import pytest


@pytest.fixture
def client() -> openai.OpenAI:
    return openai.OpenAI()


@pytest.fixture
def async_client() -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI()
