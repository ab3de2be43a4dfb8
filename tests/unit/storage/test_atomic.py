"""Durable writes: no clobbering with or without hard links, and the temporary files a killed run leaves."""

import errno
import os
import shutil
import subprocess
import sys

import pytest

from pytest_llmrec.storage import atomic


def no_hard_links(monkeypatch, code=errno.EPERM):
    """Take hard links away, as a FAT or some FUSE file system does: os.link fails with ``code``."""

    def refuse(source, target):
        raise OSError(code, os.strerror(code), str(target))

    monkeypatch.setattr(atomic, "hard_link", refuse)


def dead_pid() -> int:
    """The pid of a process that has exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def left_over(folder, name, pid, age=3600.0):
    """A temporary file as a run killed ``age`` seconds ago would have left it."""
    path = folder / f".{name}.{pid}.abc123_x.tmp"
    path.write_bytes(b'{"half": ')
    os.utime(path, (atomic.STARTED - age, atomic.STARTED - age))
    return path


def test_a_write_creates_missing_folders_and_leaves_only_the_file(tmp_path):
    target = tmp_path / "a" / "b" / "k.json"
    assert atomic.write(target, b"one", overwrite=False)
    assert not atomic.write(target, b"two", overwrite=False)
    assert target.read_bytes() == b"one"
    assert atomic.write(target, b"three", overwrite=True)
    assert target.read_bytes() == b"three" and os.listdir(target.parent) == ["k.json"]


@pytest.mark.parametrize("code", [errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK])
def test_without_hard_links_a_new_file_is_renamed_into_place_and_an_existing_one_kept(
    tmp_path, monkeypatch, code
):
    no_hard_links(monkeypatch, code)
    target = tmp_path / "k.json"
    assert atomic.write(target, b"first", overwrite=False)
    assert not atomic.write(target, b"second", overwrite=False)
    assert target.read_bytes() == b"first" and os.listdir(tmp_path) == ["k.json"]


def test_a_link_failure_that_is_not_missing_support_is_raised_and_leaves_nothing(tmp_path, monkeypatch):
    no_hard_links(monkeypatch, errno.ENOSPC)
    with pytest.raises(OSError, match="No space left"):
        atomic.write(tmp_path / "k.json", b"x", overwrite=False)
    assert os.listdir(tmp_path) == []


def test_move_never_replaces_a_file_with_or_without_hard_links(tmp_path, monkeypatch):
    for linked in (True, False):
        if not linked:
            no_hard_links(monkeypatch)
        source, target, taken = (tmp_path / f"{name}{linked}.json" for name in ("s", "t", "taken"))
        source.write_bytes(b"s")
        taken.write_bytes(b"mine")
        assert not atomic.move(source, taken) and taken.read_bytes() == b"mine" and source.exists()
        assert atomic.move(source, target) and target.read_bytes() == b"s" and not source.exists()


def test_only_temporary_files_whose_writer_is_gone_are_stale(tmp_path):
    killed = left_over(tmp_path, "k.json", dead_pid())
    running = left_over(tmp_path, "r.json", os.getppid())  # pytest's parent: alive
    mine = left_over(tmp_path, "m.json", os.getpid())
    fresh = left_over(tmp_path, "f.json", dead_pid(), age=-5)  # written after this process started
    older_format = tmp_path / ".o.json.x1y2z3w4.tmp"  # mkstemp's name before the pid was in it
    older_format.write_bytes(b"")
    os.utime(older_format, (0, 0))
    (tmp_path / "k.json").write_bytes(b"{}")

    assert atomic.temporaries(tmp_path) == sorted([killed, running, mine, fresh, older_format])
    assert atomic.remove_stale(tmp_path) == sorted([killed, older_format])
    assert sorted(os.listdir(tmp_path)) == sorted(["k.json", running.name, mine.name, fresh.name])
    assert atomic.temporaries(tmp_path / "missing") == []


WRITE_TWICE = """
import sys
from pathlib import Path
from pytest_llmrec.storage import atomic
target = Path(sys.argv[1]) / "new" / "k.json"
atomic.write(target, b"{}", overwrite=False)
atomic.write(target, b"[]", overwrite=True)
"""


@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace to watch the system calls")
def test_the_file_is_fsynced_before_it_takes_its_name_and_the_folders_after(tmp_path):
    trace = tmp_path / "trace"
    syscalls = "fsync,link,linkat,rename,renameat,renameat2,unlink,unlinkat"
    command = [
        "strace",
        "-qq",
        "-e",
        f"trace={syscalls}",
        "-o",
        str(trace),
        sys.executable,
        "-c",
        WRITE_TWICE,
    ]
    if subprocess.run([*command, str(tmp_path)], check=False).returncode != 0:
        pytest.skip("strace cannot trace here (ptrace not permitted)")

    calls = [line.split("(")[0] for line in trace.read_text().splitlines() if "ENOENT" not in line]

    new_file = ["fsync", "link", "unlink", "fsync", "fsync"]  # the file; the name; folder and its parent
    assert calls == [*new_file, "fsync", "rename", "fsync"]
