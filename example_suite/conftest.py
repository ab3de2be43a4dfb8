"""Which provider the suite runs against, and where that provider's recordings live.

`pytest example_suite --llm-provider=anthropic` (or LLMREC_PROVIDER=anthropic) picks the provider;
the default is openai. Each provider replays from recordings/<provider>/, offline and with no key.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from study_assistant import PROVIDERS, Provider, StudyAssistant, provider_named


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--llm-provider",
        choices=sorted(PROVIDERS),
        default=None,
        help="the provider the example suite talks to (default: $LLMREC_PROVIDER, else openai)",
    )


@pytest.fixture(scope="session")
def provider(pytestconfig: pytest.Config) -> Provider:
    name = pytestconfig.getoption("--llm-provider") or os.environ.get("LLMREC_PROVIDER") or "openai"
    try:
        return provider_named(name)
    except ValueError as error:
        raise pytest.UsageError(f"LLMREC_PROVIDER: {error}") from None


def pytest_report_header(config: pytest.Config) -> str:
    name = config.getoption("--llm-provider") or os.environ.get("LLMREC_PROVIDER") or "openai"
    return f"example suite provider: {name}"


@pytest.fixture
def llm_recording_config(provider: Provider) -> dict[str, Any]:
    """Each provider records and replays in a folder of its own."""
    return {"recordings_dir": f"recordings/{provider.name}"}


@pytest.fixture
def assistant(provider: Provider) -> StudyAssistant:
    """Built inside the test, as the app builds it: from the environment, with no key needed to replay."""
    return StudyAssistant(provider.backend())
