"""Recording runs killed at random moments leave only whole recordings; the next run tidies up and completes.

Each run records against the loopback server and is killed with SIGKILL at a seeded random moment
after its first new recording, while tests are being recorded and files written. After every kill,
every file under ``recordings`` must read with the plugin's strict reader and give its name back
from its content; after the next, unkilled run, no temporary file may be left.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fakes.llm_server import OpenAICompatibleServer
from pytest_llmrec.check import check
from pytest_llmrec.storage import atomic

TESTS = 150
KILLS = 20
SEED = 20261202
KILLED_SUITE = f"""
import os
import pytest
try:
    import httpx2 as httpx
except ImportError:
    import httpx

BASE = os.environ["LLMREC_TEST_BASE_URL"]

@pytest.mark.llm_recording
@pytest.mark.parametrize("n", range(int(os.environ.get("FIRST", 0)), {TESTS}))
def test_chat(n):
    body = {{"model": "m", "stream": n % 2 == 0, "messages": [{{"role": "user", "content": f"say {{n}} " * 5}}]}}
    with httpx.stream("POST", BASE + "/chat/completions", json=body) as response:
        assert response.status_code == 200 and len(list(response.iter_lines())) >= 1
"""


def run(cwd: Path, *args: str, first: int = 0) -> subprocess.Popen[bytes]:
    """A pytest run of the suite from test ``first`` on (the tests before it are recorded already)."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", *args]
    env = {**os.environ, "FIRST": str(first)}
    return subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def recordings(root: Path) -> list[Path]:
    return sorted(root.rglob("*.json"))


def kill_while_recording(cwd: Path, root: Path, delay: float) -> None:
    """Start a recording run, wait for its first new file, then SIGKILL it ``delay`` seconds later."""
    before = len(recordings(root))
    process = run(cwd, "--llm-record=record-missing", first=before)  # tests run and record in order
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(recordings(root)) == before and process.poll() is None:
        time.sleep(0.005)
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.communicate()


@pytest.fixture
def fast_server(monkeypatch):
    """A server that streams without pauses, so a run writes many files a second for the kills to cut."""
    with OpenAICompatibleServer(event_delay=0) as server:
        monkeypatch.setenv("LLMREC_TEST_BASE_URL", server.base_url)
        yield server


def test_recording_runs_killed_at_random_moments_leave_only_whole_recordings(inner, fast_server):
    inner.pytester.makepyfile(test_killed=KILLED_SUITE)
    cwd, root = inner.pytester.path, inner.pytester.path / "recordings"
    rng = random.Random(SEED)
    started = time.monotonic()
    temporaries_seen = 0

    for _ in range(KILLS):
        kill_while_recording(cwd, root, rng.uniform(0, 0.3))
        report = check([root])
        temporaries_seen += sum(finding.kind == "temporary" for finding in report.findings)
        assert [f for f in report.findings if f.kind != "temporary"] == []  # every file whole, rightly named
    files_after_kills = len(recordings(root))
    assert 0 < files_after_kills < TESTS  # the kills landed while the run was recording

    # A write cut short between its temporary file and the link, as a kill there leaves it.
    folder = recordings(root)[0].parent
    planted = folder / f".{'0' * 64}.json.{dead_pid()}.k1lled_.tmp"
    planted.write_bytes(b'{"request": {"method": "PO')
    os.utime(planted, (atomic.STARTED - 1, atomic.STARTED - 1))

    output, _ = run(cwd, "--llm-record=record-missing").communicate(timeout=60)

    assert f"{TESTS} passed".encode() in output, output.decode()[-2000:]
    summary = f"llmrec: {files_after_kills} replayed, {TESTS - files_after_kills} sent live, "
    assert summary.encode() in output  # every file the killed runs left was replayed, none recorded twice
    assert len(recordings(root)) == TESTS
    final = check([root])
    assert final.findings == [] and final.recordings == TESTS  # no temporary file is left either
    print(
        f"\nkilled runs: {KILLS} kills, {files_after_kills} files after the kills, 0 invalid, "
        f"{temporaries_seen} temporary file(s) seen after kills, 0 left after the next run; "
        f"{time.monotonic() - started:.1f} s"
    )


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid
