import dataclasses
import os
from pathlib import Path

from pytest_llmrec.storage import codec
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
