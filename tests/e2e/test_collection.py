"""Recordings folders stay out of pytest's collection walk; a test package named recordings does not."""

from __future__ import annotations

import textwrap

import pytest

MARKED = textwrap.dedent(
    """
    import pytest

    @pytest.mark.llm_recording
    def test_marked():
        pass
    """
)

# Sees every path pytest's walk offers to the hooks; only ours may skip a folder before it.
WATCHER = textwrap.dedent(
    """
    visited = []

    def pytest_ignore_collect(collection_path, config):
        visited.append(collection_path)

    def pytest_sessionfinish(session):
        print("visited recordings:", sum("recordings" in p.parts or "saved" in p.parts for p in visited[1:]))
    """
)


def recordings(root, count):
    folder = root / "test_marked"
    folder.mkdir(parents=True)
    for n in range(count):
        (folder / f"{n:064x}.json").write_text("{}")


def test_the_recordings_folder_is_not_walked(pytester: pytest.Pytester):
    pytester.makepyfile(test_a=MARKED)
    pytester.makeconftest(WATCHER)
    recordings(pytester.path / "recordings", 50)
    recordings(pytester.path / "saved", 50)
    pytester.makeini("[pytest]\nllm_recordings_dir = saved\n")

    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-s")

    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*visited recordings: 2"])  # the two folders, none of their files


def test_a_test_package_named_recordings_is_still_collected(pytester: pytest.Pytester):
    package = pytester.path / "recordings"
    package.mkdir()
    (package / "test_in_recordings.py").write_text(MARKED)
    recordings(package, 3)  # the package's own recordings, in its scope folder

    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--collect-only", "-q")

    result.stdout.fnmatch_lines(["recordings/test_in_recordings.py::test_marked"])
    assert result.ret == pytest.ExitCode.OK
