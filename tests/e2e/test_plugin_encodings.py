"""Compressed answers recorded through each client VCR.py or our transports intercept, then replayed.

requests (urllib3) hands VCR.py's stub a body urllib3 already decoded, ``content-encoding`` kept;
httpx hands ours the compressed bytes. Either way the recording holds the readable body, and the
client reads the same answer on replay.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator

import pytest

from fakes.inner_suite import NO_SOCKETS
from pytest_llmrec.storage import encodings
from unit.cassettes.encoded_server import ANSWER, EncodedServer

CODINGS = ["gzip", "deflate", *(["br"] if encodings.brotli_module() is not None else [])]

SUITE = textwrap.dedent(
    """
    import json, os, httpx, pytest, requests

    BASE = os.environ["ENCODED_BASE_URL"]
    CODINGS = os.environ["CODINGS"].split(",")
    ANSWER = json.loads(os.environ["ANSWER"])

    @pytest.mark.llm_recording
    @pytest.mark.parametrize("coding", CODINGS)
    def test_requests(coding):
        assert requests.get(f"{BASE}/{coding}", timeout=5).json()["choices"] == ANSWER["choices"]

    @pytest.mark.llm_recording
    @pytest.mark.parametrize("coding", CODINGS)
    def test_httpx(coding):
        assert httpx.get(f"{BASE}/{coding}").json()["choices"] == ANSWER["choices"]
    """
)


@pytest.fixture
def encoded_server() -> Iterator[EncodedServer]:
    with EncodedServer() as server:
        yield server


def test_compressed_answers_record_readable_and_replay(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, encoded_server: EncodedServer
) -> None:
    monkeypatch.setenv("ENCODED_BASE_URL", encoded_server.base_url)
    monkeypatch.setenv("CODINGS", ",".join(CODINGS))
    monkeypatch.setenv("ANSWER", json.dumps(ANSWER))
    pytester.makepyfile(test_encoded=SUITE)
    tests = 2 * len(CODINGS)

    pytester.runpytest("-p", "no:cacheprovider", "--llm-record=record-missing").assert_outcomes(passed=tests)
    recordings = sorted((pytester.path / "recordings").rglob("*.json"))
    assert len(recordings) == tests
    bodies = [json.loads(path.read_text())["response"]["body"] for path in recordings]
    assert all(body["choices"] == ANSWER["choices"] for body in bodies)  # readable; ids made stable

    pytester.makeconftest(NO_SOCKETS)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=tests)
