"""A recording run killed at random moments leaves only whole recordings, never a half-written file."""

import signal
import subprocess
import sys
import time

from pytest_llmrec.storage import recording

KILLED_SUITE = """
import dataclasses
import os
import pytest
try:
    import httpx2 as httpx
except ImportError:
    import httpx

@pytest.mark.llm_recording
@pytest.mark.parametrize("n", range(400))
def test_stream(n):
    body = {"model": "m", "stream": True, "messages": [{"role": "user", "content": f"say {n} " * 5}]}
    with httpx.stream("POST", os.environ["LLMREC_TEST_BASE_URL"] + "/chat/completions", json=body) as response:
        assert len(list(response.iter_lines())) > 5
"""


def test_a_killed_recording_run_leaves_only_whole_recordings(inner, openai_server):
    inner.pytester.makepyfile(test_killed=KILLED_SUITE)
    root = inner.pytester.path / "recordings"
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--llm-record=record-missing"],
        cwd=inner.pytester.path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(root.rglob("*.json"))) < 20:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()

    files = list(root.rglob("*.json"))
    assert 20 <= len(files) < 400  # killed in the middle of the run
    for path in files:  # every recording on disk is whole; a write in progress stays a hidden temporary
        assert recording.loads(path.read_bytes(), path).response.is_streaming
    assert all(p.name.startswith(".") for p in root.rglob("*") if p.is_file() and p not in files)
