"""A suite written for pytest-recording, with cassettes pytest-recording recorded, runs on pytest-llmrec.

``tests/data/pytest_recording_suite`` (its SOURCE.md says how it was made) is run in a copy, in a
subprocess of this test environment, which has pytest-llmrec and not pytest-recording, offline: no
key in the environment, no server, ``--record-mode=none --block-network``. The baseline run, with
pytest-recording itself, is ``baseline.sh`` in ``.ci/run``.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_llmrec.cli import main as llmrec
from pytest_llmrec.scan import scan

SUITE = Path(__file__).resolve().parents[1] / "data" / "pytest_recording_suite"
PYTEST = (sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly")
EXPECTED = sorted(SUITE.joinpath("expected_passed.txt").read_text().split())

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("pytest_recording") is not None,
    reason="pytest-recording is installed here: it would serve the suite itself",
)


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    copy = tmp_path / "suite"
    shutil.copytree(SUITE, copy)
    return copy


def run(folder: Path) -> tuple[list[str], str]:
    """The suite as its CI runs it; the node ids that passed, and the output."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and not k.startswith("LLMREC_")}
    done = subprocess.run(
        [*PYTEST, "-q", "-rA", "--record-mode=none", "--block-network"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    passed = sorted(line.split()[1] for line in done.stdout.splitlines() if line.startswith("PASSED "))
    return passed, done.stdout + done.stderr


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_suite_runs_unchanged_on_its_cassettes(suite: Path) -> None:
    before = tree(suite)
    passed, output = run(suite)
    assert passed == EXPECTED, output
    assert "llmrec: 17 replayed, 0 sent live, 0 recorded, 0 file(s) written" in output
    assert tree(suite) == before  # cassettes read only, nothing written


def test_the_suite_runs_on_native_files_after_import_with_the_yaml_deleted(
    suite: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cassettes = suite / "tests" / "cassettes"
    assert llmrec(["import", str(cassettes)]) == 0
    assert "converted:  14 cassette(s), 16 recording(s) written" in capsys.readouterr().out
    for cassette in cassettes.rglob("*.yaml"):
        cassette.unlink()
    natives = sorted(cassettes.rglob("*.json"))
    assert len(natives) == 16

    passed, output = run(suite)

    assert passed == EXPECTED, output
    assert "llmrec: 17 replayed, 0 sent live" in output
    assert scan([cassettes]) == 0  # no key in what import wrote
    assert sorted(cassettes.rglob("*.json")) == natives  # replay wrote nothing more
