"""Run totals: taken from a test's log by name, added up, carried across processes unchanged."""

from __future__ import annotations

from pathlib import Path

from pytest_llmrec.config import RecordingConfig
from pytest_llmrec.modes import Mode
from pytest_llmrec.recorder import Exchange, LLMRecorder
from pytest_llmrec.totals import RunTotals


def recorder(**logged) -> LLMRecorder:
    return LLMRecorder(RecordingConfig("t::x", Mode.RECORD_MISSING, Path("rec")), **logged)


def exchange(n: int) -> Exchange:
    return Exchange("POST", "http://h/v1/chat/completions", f"{n:064x}", Path(f"rec/{n}.json"))


def test_a_tests_log_counts_its_lists_and_keeps_its_paths():
    log = recorder(replayed=[exchange(1), exchange(2)], sent=[exchange(3)], written=[Path("rec/3.json")])
    log.tokens_live = 12
    totals = RunTotals.of(log)
    assert (totals.replayed, totals.sent, totals.recorded, totals.tokens_live) == (2, 1, 0, 12)
    assert totals.written == [Path("rec/3.json")] and totals.deleted == []


def test_totals_add_up_and_survive_the_trip_through_json():
    run = RunTotals()
    run.add(RunTotals.of(recorder(missed=[exchange(1)], discarded=[Path("a.json")])))
    run.add(RunTotals(replayed=3, tokens_replayed=30, deleted=[Path("old.json")]))
    data = run.to_json()
    assert data["tokens"] == {"replayed": 30, "live": 0}  # nested as --llm-report shows it
    assert (data["missed"], data["discarded"], data["deleted"]) == (1, 1, ["old.json"])
    assert RunTotals.from_json(data) == run


def test_tests_that_reached_the_network_cross_processes_as_node_ids():
    run = RunTotals(reached_network=["tests/test_a.py::test_x[a//b]"])
    assert RunTotals.from_json(run.to_json()).reached_network == ["tests/test_a.py::test_x[a//b]"]


def test_a_file_two_workers_wrote_counts_once():
    shared = Path("rec/shared/1.json")
    run = RunTotals()
    for worker in (RunTotals(written=[shared, Path("rec/a.json")]), RunTotals(written=[shared])):
        run.add(RunTotals.from_json(worker.to_json()))
    assert run.files_written() == 2
    assert run.to_json()["written"] == ["rec/shared/1.json", "rec/a.json"]
