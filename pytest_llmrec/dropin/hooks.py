"""The hook pytest-recording offers, declared when pytest-llmrec serves its surface."""

from __future__ import annotations

from typing import Any


def pytest_recording_configure(config: Any, vcr: Any) -> None:
    """Called for each vcr-marked test with the ``vcr.VCR`` its cassette is opened with: register
    matchers (``vcr.register_matcher``), serializers or a persister there."""
