"""Durable, atomic file writes that never clobber a file by accident, and the temporary files they leave.

The bytes go to a temporary file beside the target, named ``.<name>.<pid>.<random>.tmp``,
which is fsynced before it takes the target's name, and the directory is fsynced after, so
neither a killed process nor a power cut leaves a half-written or empty recording.

A new file takes its name by a hard link, which fails if the name exists, even when another
process made it a moment ago. Where the file system has no hard links (some network, FUSE and
FAT file systems), the fallback renames the temporary file if the name is still free. Between
that check and the rename another process may take the name; the rename then replaces its file
with an equally whole one. Only the "first writer wins" guarantee is lost, never a file's integrity.
"""

from __future__ import annotations

import errno
import os
import re
import tempfile
import time
from pathlib import Path

# When this process started writing, roughly: a temporary file older than this, whose writer is
# gone, was left by a killed run.
STARTED = time.time()
TEMP_NAME = re.compile(r"\.(?P<target>.+?\.json)\.(?:(?P<pid>[0-9]+)\.)?[A-Za-z0-9_]+\.tmp")
# What os.link raises where a file system cannot make hard links.
NO_HARD_LINKS = frozenset(
    {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV, errno.ENOSYS, errno.EMLINK}
)


def hard_link(source: Path, target: Path) -> None:
    """os.link, kept as a module function: the one place a test can take hard links away."""
    os.link(source, target)


def write(path: Path, data: bytes, *, overwrite: bool) -> bool:
    """Write ``data`` to ``path`` durably; without ``overwrite`` an existing file is kept (False)."""
    created = _make_dirs(path.parent)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    temporary = Path(name)
    try:
        os.fchmod(fd, 0o644)  # mkstemp makes 0600; recordings are ordinary project files
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        placed = _place(temporary, path, overwrite)
        temporary.unlink(missing_ok=True)  # before the directory is synced, so that is durable too
        if placed:
            for folder in [path.parent, *(directory.parent for directory in created)]:
                _fsync_dir(folder)
        return placed
    finally:
        temporary.unlink(missing_ok=True)


def move(source: Path, target: Path) -> bool:
    """Rename ``source`` to ``target`` unless ``target`` exists (then False, nothing changed)."""
    if not _place(source, target, overwrite=False):
        return False
    source.unlink(missing_ok=True)  # linked: the old name goes; renamed: it went already
    _fsync_dir(target.parent)
    return True


def _place(temporary: Path, path: Path, overwrite: bool) -> bool:
    """Give ``temporary`` the name ``path``: linked (the caller removes the old name) or renamed."""
    if overwrite:
        os.replace(temporary, path)
        return True
    try:
        hard_link(temporary, path)
    except FileExistsError:
        return False
    except OSError as error:
        if error.errno not in NO_HARD_LINKS:
            raise
        if os.path.lexists(path):
            return False
        os.rename(temporary, path)  # see the module's docstring for the race this leaves
    return True


def _make_dirs(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; returns those created, so their parents get fsynced."""
    missing = []
    while not folder.is_dir():
        missing.append(folder)
        folder = folder.parent
    for directory in reversed(missing):
        directory.mkdir(exist_ok=True)
    return missing


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def is_stale(path: Path) -> bool:
    """Whether ``path`` is a temporary file of ours whose writer is gone: left by a killed run."""
    match = TEMP_NAME.fullmatch(path.name)
    if match is None or not path.is_file():
        return False
    try:
        if path.stat().st_mtime >= STARTED:
            return False
    except FileNotFoundError:
        return False
    pid = match["pid"]
    return pid is None or not _running(int(pid))


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def temporaries(folder: Path) -> list[Path]:
    """The temporary files of ours in ``folder``, left by a write in progress or a killed one."""
    try:
        names = os.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return []
    return [folder / name for name in sorted(names) if TEMP_NAME.fullmatch(name)]


def remove_stale(folder: Path) -> list[Path]:
    """Delete the temporary files a killed run left in ``folder``; returns what was deleted."""
    removed = []
    for path in temporaries(folder):
        if is_stale(path):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed
