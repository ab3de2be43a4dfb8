"""Which directories a run exercised: only those whose every test ran, and only if every test resolved."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_llmrec.unused import StoreUsage, narrowing

A, B = Path("/p/a"), Path("/p/b")


def usage(collected: list[str]) -> StoreUsage:
    return StoreUsage(collected=set(collected))


def test_a_directory_is_exercised_when_each_of_its_tests_ran():
    run = usage(["t::1", "t::2", "t::3"])
    run.add("t::1", A, ran=True, touched=[])
    run.add("t::2", A, ran=True, touched=[])
    run.add("t::3", B, ran=False, touched=[])  # failed in setup, or skipped inside a fixture
    assert run.exercised() == [A]


def test_a_collected_test_that_never_resolved_blocks_every_directory():
    run = usage(["t::1", "t::deselected"])
    run.add("t::1", A, ran=True, touched=[])
    assert run.unresolved() == {"t::deselected"}
    assert run.exercised() == []


def test_workers_add_up_to_the_whole_run():
    controller = usage([])
    for worker_tests in (["t::1"], ["t::2"]):
        worker = usage(["t::1", "t::2"])
        for nodeid in worker_tests:
            worker.add(nodeid, A, ran=True, touched=[A / "x" / "f.json"])
        controller.merge(worker.to_json())
    assert controller.exercised() == [A] and controller.touched == {A / "x" / "f.json"}


def test_a_narrowed_run_exercises_nothing():
    run = usage(["t::1"])
    run.add("t::1", A, ran=True, touched=[])
    run.narrowed = "tests/test_a.py"
    assert run.exercised() == []


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
