"""``llmrec import``: llama-stack recordings converted to this plugin's layout, then replayed from there."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from corpus import SUBSET, cases, check, shadowing

from pytest_llmrec.cli import main
from pytest_llmrec.llama_stack.index import ForeignIndexes

INFERENCE = SUBSET / "tests/integration/inference/recordings"
COMMON = SUBSET / "tests/integration/common/recordings"
INFERENCE_CASES = [case for case in cases(SUBSET) if case.path.parent == INFERENCE]


@pytest.fixture
def imported(tmp_path):
    destination = tmp_path / "native"
    assert main(["import", str(INFERENCE), str(destination), "--shared-dir", str(COMMON)]) == 0
    return destination


def test_import_reports_what_it_converted_and_skipped(tmp_path, capsys):
    assert main(["import", str(INFERENCE), str(tmp_path / "native"), "--shared-dir", str(COMMON)]) == 0
    out = capsys.readouterr().out
    assert f"{INFERENCE}: {len(INFERENCE_CASES)} files" in out
    # 7 request files, and 3 model-list files that make 2 lists (two of them belong to one test)
    assert "converted:  9 recording(s) written" in out
    assert "model lists: 3 file(s) merged per test" in out
    assert not list((tmp_path / "native").glob("*.json"))  # all in scope folders, none flat
    assert len(list((tmp_path / "native").rglob("*.json"))) == 9


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("case", INFERENCE_CASES, ids=[c.path.name for c in INFERENCE_CASES])
def test_imported_recordings_replay_like_the_originals(case, asynchronous, imported):
    check(case, asynchronous, ForeignIndexes(), shadowing(INFERENCE_CASES), recordings=imported)


def test_import_never_overwrites_a_differing_file(imported, capsys):
    victim = next(imported.rglob("*.json"))
    victim.write_text(victim.read_text().replace('"status": 200', '"status": 201'))
    before = victim.read_bytes()

    code = main(["import", str(INFERENCE), str(imported), "--shared-dir", str(COMMON)])

    captured = capsys.readouterr()
    assert code == 1
    assert f"CONFLICT:   {victim} exists with different content; not overwritten" in captured.err
    assert "unchanged:  8 already there, identical" in captured.out
    assert victim.read_bytes() == before


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
    assert main(["scan", str(Path(__file__).parents[1] / "example_suite"), str(SUBSET)]) == 0
