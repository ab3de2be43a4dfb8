import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_llmrec.errors import RecordingFileError, RecordingWriteError
from pytest_llmrec.storage import atomic, codec
from pytest_llmrec.storage.recording import Recording, StoredRequest
from pytest_llmrec.storage.store import Store, scope_folder


def rec(text: str) -> Recording:
    return Recording(
        "s",
        StoredRequest("GET", "http://x/v1/models", None, "/v1/models"),
        codec.StoredResponse(200, codec.TEXT, text),
    )


def test_scope_folders_are_readable_and_safe():
    assert scope_folder("tests/test_chat.py::TestA::test_x[1-2]") == Path("test_chat/TestA/test_x[1-2]")
    odd = scope_folder("tests/t.py::test_x[a/b c]")
    assert odd.parts[0] == "t" and odd.parts[1].startswith("test_x[a_b_c]-") and len(odd.parts) == 2
    assert scope_folder("a/b") != scope_folder("a_b")


def test_write_then_read(tmp_path):
    store = Store(tmp_path)
    path = store.path_for("tests/t.py::test_a", "ab" * 32, 1)
    assert store.write(path, rec("hello"), overwrite=False)
    assert store.read(path) == rec("hello")
    assert store.path_for("tests/t.py::test_a", "ab" * 32, 3).name == "ab" * 32 + ".3.json"
    assert store.read(path.with_name("missing.json")) is None
    assert oct(path.stat().st_mode & 0o777) == oct(0o644)


def test_existing_files_are_never_clobbered_without_overwrite(tmp_path):
    store = Store(tmp_path)
    path = tmp_path / "s" / "k.json"
    store.write(path, rec("first"), overwrite=False)
    assert not store.write(path, rec("second"), overwrite=False)
    assert store.read(path) == rec("first")
    assert store.write(path, rec("third"), overwrite=True)
    assert store.read(path) == rec("third")


def test_no_temporary_files_are_left_behind(tmp_path):
    store = Store(tmp_path)
    path = tmp_path / "s" / "k.json"
    store.write(path, rec("a"), overwrite=False)
    store.write(path, rec("b"), overwrite=False)
    assert os.listdir(path.parent) == ["k.json"]


def test_rewrite_keeps_a_file_whose_only_change_is_the_real_ids_behind_stable_ones(tmp_path):
    store = Store(tmp_path)
    path = tmp_path / "s" / "k.json"
    store.write(
        path,
        dataclasses.replace(rec("same"), id_normalization_mapping={"rec-1": "resp_old"}),
        overwrite=False,
    )
    before = path.read_bytes()

    store.write(
        path, dataclasses.replace(rec("same"), id_normalization_mapping={"rec-1": "resp_new"}), overwrite=True
    )
    assert path.read_bytes() == before

    store.write(
        path,
        dataclasses.replace(rec("changed"), id_normalization_mapping={"rec-1": "resp_new"}),
        overwrite=True,
    )
    assert store.read(path) == dataclasses.replace(
        rec("changed"), id_normalization_mapping={"rec-1": "resp_new"}
    )


def test_a_directory_or_a_dangling_symlink_at_a_recordings_path_is_an_error_naming_it(tmp_path):
    store = Store(tmp_path)
    folder = tmp_path / "s"
    (folder / "dir.json").mkdir(parents=True)
    (folder / "link.json").symlink_to(folder / "gone.json")

    with pytest.raises(RecordingFileError) as directory:
        store.read(folder / "dir.json")
    with pytest.raises(RecordingFileError) as link:
        store.read(folder / "link.json")

    assert (
        str(directory.value)
        == f"{folder / 'dir.json'}: <file>: a directory, not a recording file; move it away"
    )
    assert str(link.value) == (
        f"{folder / 'link.json'}: <file>: a symlink to {folder / 'gone.json'}, which does not exist; "
        "restore it or remove the link"
    )
    assert store.scope_recordings("s") == []  # the miss message's listing skips them


def test_key_options_other_than_the_defaults_are_kept_in_the_file(tmp_path):
    store = Store(tmp_path)
    store.write(tmp_path / "s" / "plain.json", rec("a"), overwrite=False)
    store.write(tmp_path / "s" / "kept.json", rec("a"), overwrite=False, key_options={"ignore": ["metadata"]})
    assert "key_options" not in json.loads((tmp_path / "s" / "plain.json").read_text())
    assert json.loads((tmp_path / "s" / "kept.json").read_text())["key_options"] == {"ignore": ["metadata"]}
    assert store.read(tmp_path / "s" / "kept.json") == rec("a")


def test_the_first_write_into_a_folder_removes_what_a_killed_run_left_there(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    folder = tmp_path / "s"
    folder.mkdir()
    stale = folder / f".k.json.{child.pid}.abcd_123.tmp"
    stale.write_bytes(b'{"cut sho')
    os.utime(stale, (atomic.STARTED - 60, atomic.STARTED - 60))
    assert Store(tmp_path).read(folder / "k.json") is None  # a temporary file is never a recording

    Store(tmp_path).write(folder / "k.json", rec("whole"), overwrite=False)

    assert os.listdir(folder) == ["k.json"]


ROOT = os.geteuid() == 0  # root writes into read-only directories: the permission test cannot fail there


def test_a_recordings_dir_below_a_file_names_the_file_not_a_raw_oserror(tmp_path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file where the recordings' parent folder should be")
    store = Store(blocker / "recordings")
    path = store.path_for("tests/t.py::test_a", "ab" * 32, 1)

    with pytest.raises(RecordingWriteError) as caught:
        store.write(path, rec("hello"), overwrite=False)

    assert caught.value.directory == blocker
    assert str(caught.value) == (
        f"pytest-llmrec: cannot write the recording {path.name}: {blocker} is a file, not a directory. "
        "Make it a writable directory, or record elsewhere with --llm-recordings-dir=DIR "
        f"(ini: llm_recordings_dir); the file would have been {path}"
    )
    assert str(caught.value.of_test("t.py::test_a")).startswith(
        f"pytest-llmrec: cannot write the recordings of t.py::test_a: {blocker} is a file"
    )


@pytest.mark.skipif(ROOT, reason="root ignores directory permissions")
@pytest.mark.parametrize("existing", ["recordings dir", "scope folder"])
def test_a_read_only_directory_is_named_with_the_reason(tmp_path, existing):
    store = Store(tmp_path / "recordings")
    path = store.path_for("tests/t.py::test_a", "ab" * 32, 1)
    locked = store.root if existing == "recordings dir" else path.parent
    locked.mkdir(parents=True)
    locked.chmod(0o555)
    try:
        with pytest.raises(RecordingWriteError) as caught:
            store.write(path, rec("hello"), overwrite=False)
    finally:
        locked.chmod(0o755)

    assert caught.value.directory == locked
    assert f": {locked} cannot be written to (Permission denied). " in str(caught.value)
    assert not path.exists()
