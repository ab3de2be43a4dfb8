"""``llmrec check``: damaged, misnamed and misplaced recordings and stale temporary files, found and fixed."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from pytest_llmrec.check import check
from pytest_llmrec.cli import main
from pytest_llmrec.config import RecordingConfig
from pytest_llmrec.modes import Mode
from pytest_llmrec.storage import atomic
from pytest_llmrec.tape import Tape

URL = "https://api.example.com/v1/chat/completions"
LLAMA_STACK = (
    Path(__file__).parents[1] / "data" / "llama_stack" / "tests" / "integration" / "inference" / "recordings"
)


def record(root: Path, scope: str, prompt: str) -> Path:
    tape = Tape(RecordingConfig(scope, Mode.RECORD_MISSING, root), scope)
    plan = tape.plan("POST", URL, {"content-type": "application/json"}, json.dumps({"p": prompt}).encode())
    take = plan.respond(200, [("content-type", "application/json")])
    take.feed(json.dumps({"answer": prompt}).encode())
    take.finish()
    tape.close(passed=True)
    return tape.recorder.written[0]


def edit(path: Path, change) -> None:
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


def test_a_healthy_directory_passes_and_llama_stack_files_are_left_alone(tmp_path, capsys):
    record(tmp_path, "t.py::test_a", "one")
    record(tmp_path, "t.py::test_a", "two")
    shutil.copytree(LLAMA_STACK, tmp_path / "flat")

    assert main(["check", str(tmp_path)]) == 0
    out = capsys.readouterr()
    foreign = len(list(LLAMA_STACK.glob("*.json")))
    assert (
        out.out
        == f"llmrec check: 2 recording(s), no problems; {foreign} file(s) not in pytest-llmrec's layout left alone\n"
    )
    assert out.err == ""


def test_every_kind_of_problem_is_named_and_fails_the_check(tmp_path, capsys):
    damaged = record(tmp_path, "t.py::test_a", "damaged")
    edited = record(tmp_path, "t.py::test_a", "edited")
    copied_from = record(tmp_path, "t.py::test_b", "copied")
    copied = edited.parent / copied_from.name
    shutil.copy(copied_from, copied)
    edit(damaged, lambda d: d["response"].update(status=302))
    edit(edited, lambda d: d["request"]["body"].update(p="changed by hand"))
    (edited.parent / ("0" * 64 + ".json")).mkdir()
    (edited.parent / ("1" * 64 + ".json")).symlink_to(tmp_path / "gone.json")
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    stale = edited.parent / f".{edited.name}.{child.pid}.abcd1234.tmp"
    stale.write_bytes(b"{")
    os.utime(stale, (atomic.STARTED - 1, atomic.STARTED - 1))

    assert main(["check", str(tmp_path)]) == 1

    err = capsys.readouterr().err.splitlines()
    assert sorted(err) == sorted(  # the key of the edited request: where recording it would put it
        [
            f"{edited.parent / ('0' * 64 + '.json')}: <file>: a directory, not a recording file; move it away",
            f"{edited.parent / ('1' * 64 + '.json')}: <file>: a symlink to {tmp_path / 'gone.json'}, "
            "which does not exist; restore it or remove the link",
            f"{damaged}: response.status: 302 is a redirect: a recording does not keep its Location to follow",
            f"{edited}: request: the file's name no longer matches its content (hand-edited, or copied): "
            f"its key is {record(tmp_path / 'elsewhere', 't.py::test_a', 'changed by hand').name}",
            f"{copied}: test_id: recorded for scope 't.py::test_b', whose folder is t/test_b; move it there",
            f"{stale}: <file>: a temporary file left by a killed run",
        ]
    )


def test_fix_renames_a_misnamed_file_to_its_key_unless_that_name_is_taken(tmp_path):
    edited = record(tmp_path, "t.py::test_a", "edited")
    clashing = record(tmp_path, "t.py::test_a", "clashing")
    taken = record(tmp_path, "t.py::test_a", "taken")
    edit(edited, lambda d: d["request"]["body"].update(p="something new"))
    edit(clashing, lambda d: d["request"]["body"].update(p="taken"))
    before = {path: path.read_bytes() for path in tmp_path.rglob("*.json")}

    report = check([tmp_path], fix=True)

    renamed, conflict = sorted(report.findings, key=lambda finding: finding.kind != "mismatched")
    new = edited.with_name(renamed.fixed.removeprefix("renamed to "))
    assert renamed.path == edited and not edited.exists() and new.read_bytes() == before[edited]
    assert conflict.path == clashing and conflict.kind == "conflict" and not conflict.fixed
    assert conflict.problem.endswith(f"but {taken.name} exists: not renamed; compare the two and keep one")
    assert clashing.read_bytes() == before[clashing] and taken.read_bytes() == before[taken]
    assert report.failed
    assert [finding.path for finding in check([tmp_path], fix=False).findings] == [clashing]


def test_json_output_lists_each_problem_with_file_and_field(tmp_path, capsys):
    damaged = record(tmp_path, "t.py::test_a", "x")
    edit(damaged, lambda d: d["response"].update(status="200"))

    assert main(["check", "--json", str(tmp_path)]) == 1

    assert json.loads(capsys.readouterr().out) == {
        "recordings": 1,
        "foreign": 0,
        "cassettes": 0,
        "unverifiable": 0,
        "problems": [
            {
                "path": str(damaged),
                "kind": "damaged",
                "field": "response.status",
                "problem": 'expected int, got str "200"',
                "fixed": "",
            }
        ],
    }
