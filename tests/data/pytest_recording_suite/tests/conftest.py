"""The suite's VCR.py configuration, as a team using pytest-recording writes it."""

import json

import pytest


@pytest.fixture(scope="module")
def vcr_config():
    return {
        "filter_headers": ["authorization", "x-api-key", "openai-organization", "cookie"],
        "decode_compressed_response": True,
    }


def same_model(r1, r2):
    """Two requests ask the same model (a matcher for tests whose prompts differ run to run)."""
    assert json.loads(r1.body)["model"] == json.loads(r2.body)["model"]


def pytest_recording_configure(config, vcr):
    vcr.register_matcher("model", same_model)
