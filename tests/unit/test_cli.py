"""``llmrec import``: llama-stack recordings converted to this plugin's layout, then replayed from there."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pytest_llmrec.cli import main


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


def test_scan_passes_clean_recordings_and_fails_on_a_planted_key(tmp_path, capsys):
    clean = tmp_path / "clean.json"
    clean.write_text('{"request": {"body": {"prompt": "hello"}}}')
    assert main(["scan", str(tmp_path)]) == 0
    leaky = tmp_path / "nested" / "leaky.json"
    leaky.parent.mkdir()
    leaky.write_text(
        '{"request": {"headers": {"authorization": "Bearer sk-proj-abcdefghijklmnopqrstuvwxyz012345"}}}'
    )

    assert main(["scan", str(tmp_path)]) == 1

    captured = capsys.readouterr()
    assert f"{leaky}: request.headers.authorization holds what looks like an OpenAI key" in captured.err
    assert "llmrec scan: 2 file(s), 1 with a secret or unreadable" in captured.out


def test_scan_finds_no_secret_in_the_recordings_this_project_commits():
    assert (
        main(
            [
                "scan",
                str(Path(__file__).parents[2] / "example_suite"),
                str(Path(__file__).parents[1] / "data"),
            ]
        )
        == 0
    )
