"""``llmrec import``: llama-stack recordings converted to this plugin's layout, then replayed from there."""

from __future__ import annotations

import pytest

from e2e.corpus import SUBSET, cases, check, shadowing
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
