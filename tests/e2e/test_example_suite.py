"""The example suite on each of its six providers: offline on the committed recordings, writing
nothing, and re-recorded from the loopback server into what is committed, all but the port."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fakes.llm_server import OpenAICompatibleServer

SUITE = Path(__file__).resolve().parents[2] / "example_suite"
# provider -> (passed, skipped): three providers have no embeddings endpoint for this app.
EXPECTED = {
    "openai": (6, 0),
    "azure": (6, 0),
    "anthropic": (5, 1),
    "ollama": (6, 0),
    "vllm": (5, 1),
    "bedrock": (5, 1),
}
# Tests whose OpenAI recordings hold real answers from llama-stack's corpus (example_suite/curate.py),
# which a run against the loopback server cannot give back.
CURATED_OPENAI = {"test_a_second_turn_sends_the_first_answer_back"}


def _recordings(root: Path) -> dict[Path, bytes]:
    return {path.relative_to(root): path.read_bytes() for path in sorted(root.rglob("*.json"))}


def _pytest(suite: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_BASE_URL")) and "LLMREC" not in k
    }
    command = [
        sys.executable,
        "-m",
        "pytest",
        str(suite),
        "-p",
        "no:randomly",
        "-p",
        "no:cacheprovider",
        *args,
    ]
    return subprocess.run(
        command, capture_output=True, text=True, env=clean | (env or {}), check=False, timeout=300
    )


@pytest.mark.parametrize("provider", sorted(EXPECTED))
def test_each_provider_replays_offline_with_no_key_and_writes_nothing(provider):
    pytest.importorskip("anthropic")
    before = _recordings(SUITE / "recordings")
    result = _pytest(SUITE, f"--llm-provider={provider}", "--llm-block-network")
    passed, skipped = EXPECTED[provider]
    summary = result.stdout.strip().splitlines()[-1]
    assert result.returncode == 0, result.stdout
    assert f"{passed} passed" in summary and (not skipped or f"{skipped} skipped" in summary)
    assert f"example suite provider: {provider}" in result.stdout
    assert "0 sent live, 0 recorded, 0 file(s) written" in result.stdout
    assert _recordings(SUITE / "recordings") == before


def test_the_environment_variable_picks_the_provider_and_a_wrong_name_is_refused():
    result = _pytest(SUITE, env={"LLMREC_PROVIDER": "ollama"})
    assert result.returncode == 0 and "example suite provider: ollama" in result.stdout
    wrong = _pytest(SUITE, "--llm-provider=olama")
    assert wrong.returncode == 4 and "invalid choice: 'olama'" in wrong.stderr


def test_recording_openai_from_the_loopback_server_gives_the_committed_recordings(
    tmp_path, openai_server: OpenAICompatibleServer
):
    copy = tmp_path / "example_suite"
    shutil.copytree(SUITE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.rmtree(copy / "recordings" / "openai")
    (tmp_path / "pytest.ini").write_text("[pytest]\n")  # the rootdir above the suite, as in this repository
    env = {"OPENAI_BASE_URL": f"{openai_server.base_url}", "OPENAI_API_KEY": "llmrec-fake-openai-key"}
    recorded = _pytest(copy, "--llm-record=record-missing", env=env)
    assert recorded.returncode == 0, recorded.stdout
    assert _without_host(copy / "recordings" / "openai") == _without_host(SUITE / "recordings" / "openai")


def _is_curated(path: Path) -> bool:
    return any(part in CURATED_OPENAI for part in path.parts)


def _without_host(root: Path) -> dict[Path, object]:
    """The recordings parsed, less what differs on every run of the server: the port in the URL
    they were recorded from, the real ids behind the stable ones, a stream's timing, and where and
    when each answer was recorded (``provenance``, which new files carry)."""
    documents = {path: json.loads(data) for path, data in _recordings(root).items() if not _is_curated(path)}
    for document in documents.values():
        document["request"].pop("url")
        document.pop("provenance", None)
        document["id_normalization_mapping"] = sorted(document["id_normalization_mapping"])
        document["response"].pop("event_offsets_ms", None)
        document["response"].pop("first_byte_ms", None)
    return documents
