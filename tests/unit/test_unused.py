"""Which scope folders a run may judge, and what it finds in them: never a broken file, never a non-file."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_llmrec.unused import StoreUsage, delete, narrowing, stop_reason

A, B, SHARED = Path("/p/rec/test_a/one"), Path("/p/rec/test_a/two"), Path("/p/shared/test_a/two")


def usage(collected: list[str]) -> StoreUsage:
    return StoreUsage(collected=set(collected))


def test_a_folder_is_exercised_when_each_of_its_readers_passed():
    run = usage(["t::1", "t::2", "t::3"])
    run.add("t::1", [A], passed=True, rewrite=False, touched=[])
    run.add("t::2", [A], passed=True, rewrite=False, touched=[])
    run.add("t::3", [B], passed=False, rewrite=False, touched=[])  # failed, or skipped half-way
    assert run.exercised() == [A]


def test_a_failing_reader_of_a_shared_folder_keeps_it_unjudged():
    run = usage(["t::1", "t::2"])
    run.add("t::1", [B], passed=True, rewrite=False, touched=[])
    run.add("t::2", [A, B], passed=False, rewrite=False, touched=[])  # reads B through shared_dirs
    assert run.exercised() == []


def test_a_shared_dir_is_read_but_never_judged():
    run = usage(["t::1"])
    run.add("t::1", [A, SHARED], passed=True, rewrite=False, touched=[])
    assert run.exercised() == [A]


@pytest.mark.parametrize(
    ("narrowed", "stopped", "collected", "why"),
    [
        ("tests/test_a.py", None, ["t::1"], "the run collected part of the suite (tests/test_a.py)"),
        (None, "stopping after 1 failures", ["t::1"], "the run stopped early (stopping after 1 failures)"),
        (
            None,
            None,
            ["t::1", "t::deselected"],
            "1 test(s) with recordings did not run (deselected, skipped or interrupted)",
        ),
    ],
)
def test_a_narrowed_stopped_or_partly_run_session_judges_nothing(narrowed, stopped, collected, why):
    run = usage(collected)
    run.add("t::1", [A], passed=True, rewrite=False, touched=[])
    run.narrowed, run.stopped = narrowed, stopped
    assert run.why_not_checked() == why
    assert run.exercised() == []


def test_workers_add_up_to_the_whole_run():
    controller = usage([])
    for worker_tests in (["t::1"], ["t::2"]):
        worker = usage(["t::1", "t::2"])
        for nodeid in worker_tests:
            worker.add(nodeid, [A], passed=True, rewrite=True, touched=[A / "f.json"])
        worker.broken[B / "bad.json"] = "bad"
        controller.merge(worker.to_json())
    assert controller.exercised() == [A] and controller.touched == {A / "f.json"}
    assert controller.broken == {B / "bad.json": "bad"} and controller.rewriting == {"t::1", "t::2"}


def test_a_stopped_worker_stops_the_whole_verdict():
    controller, worker = usage([]), usage(["t::1"])
    worker.add("t::1", [A], passed=True, rewrite=False, touched=[])
    worker.stopped = "interrupted"
    controller.merge(worker.to_json())
    assert controller.why_not_checked() == "the run stopped early (interrupted)"


def test_only_readable_regular_json_files_are_unused(tmp_path):
    folder = tmp_path / "test_a" / "one"
    folder.mkdir(parents=True)
    broken = folder / "conflicted.json"
    broken.write_text("<<<<<<< HEAD\n{}\n=======\n{}\n>>>>>>> theirs\n")
    (folder / "x.json").mkdir()
    (folder / "gone.json").symlink_to(tmp_path / "nowhere.json")
    (folder / "notes.txt").write_text("not a recording")
    run = usage(["t::1"])
    run.add("t::1", [folder], passed=True, rewrite=False, touched=[])

    verdict = run.verdict()

    assert verdict.unused == []
    assert list(verdict.broken) == [broken]
    assert verdict.broken[broken].startswith(f"{broken}: <document>: not valid JSON")


def test_a_folder_is_rewritten_only_if_every_reader_ran_rewrite():
    run = usage(["t::1", "t::2", "t::3"])
    run.add("t::1", [A], passed=True, rewrite=True, touched=[])
    run.add("t::2", [A], passed=True, rewrite=False, touched=[])
    run.add("t::3", [B], passed=True, rewrite=True, touched=[])
    assert run.verdict().rewritten == {B}


def test_delete_leaves_directories_and_links_alone(tmp_path):
    real, folder, link = tmp_path / "a.json", tmp_path / "x.json", tmp_path / "l.json"
    real.write_text("{}")
    folder.mkdir()
    link.symlink_to(real)
    assert delete([folder, link, real, tmp_path / "missing.json"]) == [real]
    assert folder.is_dir() and link.is_symlink() and not real.exists()


@pytest.mark.parametrize(
    ("shouldstop", "shouldfail", "interrupted", "why"),
    [
        (False, False, False, None),
        (False, "stopping after 1 failures", False, "stopping after 1 failures"),
        (True, False, False, "stopped"),
        (False, False, True, "interrupted"),
    ],
)
def test_why_a_session_stopped(shouldstop, shouldfail, interrupted, why):
    assert stop_reason(shouldstop, shouldfail, interrupted) == why


@pytest.mark.parametrize(
    ("args", "flags", "narrowed"),
    [
        ([], [], None),  # a plain run
        (["tests"], [], None),  # the whole of testpaths, named
        (["."], [], None),
        (["tests/test_a.py"], [], "tests/test_a.py"),
        (["tests/test_a.py::test_x"], [], "tests/test_a.py::test_x"),
        (["tests", "tests/test_a.py::test_x"], [], "tests tests/test_a.py::test_x"),
        ([], ["--lf"], "--lf"),
        ([], ["--ignore", "--ignore-glob"], "--ignore, --ignore-glob"),
    ],
)
def test_what_narrows_a_run(args, flags, narrowed):
    project = Path("/p")
    assert narrowing(args, project, [project / "tests"], flags) == narrowed
