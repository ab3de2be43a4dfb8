"""``llmrec import``: llama-stack recordings converted to this plugin's layout, then replayed from there."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_the_command_is_installed_and_rejects_a_missing_directory(tmp_path):
    llmrec = Path(sys.executable).with_name("llmrec")  # installed beside the interpreter running the tests
    result = subprocess.run(
        [str(llmrec), "import", str(tmp_path / "nowhere"), str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "nowhere is not a directory" in result.stderr
    assert (
        subprocess.run(
            [sys.executable, "-m", "pytest_llmrec.cli", "--help"], capture_output=True, check=False
        ).returncode
        == 0
    )
