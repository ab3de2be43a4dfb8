"""Which provider the suite runs on, and the clients an application builds from the environment.

``pytest example_suite --llm-provider=anthropic`` (or ``LLMREC_PROVIDER=anthropic``) picks the
client, the models and the recordings folder (``recordings/<provider>/``); the default is openai.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

import app
from providers import PROVIDERS, Provider


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--llm-provider",
        choices=sorted(PROVIDERS),
        default=None,
        help="the provider the example suite runs on (default: $LLMREC_PROVIDER, else openai)",
    )


@pytest.fixture(scope="session")
def provider(pytestconfig: pytest.Config) -> Provider:
    name = pytestconfig.getoption("--llm-provider") or os.environ.get("LLMREC_PROVIDER", "openai")
    if name not in PROVIDERS:
        raise pytest.UsageError(f"LLMREC_PROVIDER={name!r}: choose one of {', '.join(sorted(PROVIDERS))}")
    return PROVIDERS[name]


@pytest.fixture
def llm_recording_config(provider: Provider) -> dict[str, Any]:
    """Each provider's recordings in a folder of their own, beside the tests."""
    return {"recordings_dir": f"recordings/{provider.name}"}


@pytest.fixture
def assistant(provider: Provider) -> app.Assistant:
    return app.Assistant(provider.sync_client(), provider.chat_model, provider.anthropic)


@pytest.fixture
def async_assistant(provider: Provider) -> app.AsyncAssistant:
    return app.AsyncAssistant(provider.async_client(), provider.chat_model, provider.anthropic)


@pytest.fixture
def client(provider: Provider) -> Any:
    """The provider's own client, for tests of what only OpenAI-compatible endpoints serve."""
    if provider.anthropic:
        pytest.skip(f"{provider.name} serves no OpenAI-compatible endpoint")
    return provider.sync_client()


def pytest_report_header(config: pytest.Config) -> str:
    name = config.getoption("--llm-provider") or os.environ.get("LLMREC_PROVIDER", "openai")
    return f"example suite provider: {name}"
