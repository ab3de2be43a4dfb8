"""Run the corpus conformance test and print README's table: what replays, by provider and endpoint.

    python tests/corpus_report.py

A file counts as replayed when its sync and its async replay both passed.
"""

from __future__ import annotations

import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[1]))  # tests/, where the e2e package lives

from e2e.corpus import SHARED_CORPUS, cases


class Outcomes:
    def __init__(self) -> None:
        self.by_file: dict[str, list[str]] = defaultdict(list)
        self.reasons: dict[str, str] = {}
        self.seconds = 0.0

    def pytest_runtest_logreport(self, report: Any) -> None:
        if "test_corpus_replays" not in report.nodeid:
            return
        file_id = report.nodeid.split("[", 1)[1].rsplit("-", 1)[0]
        if report.when == "call":
            self.seconds += report.duration
        if report.skipped:
            self.reasons[file_id] = str(report.longrepr[2]).removeprefix("Skipped: ")
        if report.when == "call" or report.outcome != "passed":
            self.by_file[file_id].append(report.outcome)


def main() -> int:
    outcomes = Outcomes()
    started = time.perf_counter()
    code = pytest.main(
        ["-q", "-p", "no:cacheprovider", "tests/e2e/test_llama_stack_corpus.py", "-k", "corpus_replays"],
        plugins=[outcomes],
    )
    wall = time.perf_counter() - started
    all_cases = {case.id: case for case in cases(SHARED_CORPUS)}
    replayed: Counter[tuple[str, str, str]] = Counter()
    not_replayed: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    for file_id, case in all_cases.items():
        results = outcomes.by_file.get(file_id, [])
        shape = "error" if case.exception else "stream" if case.streaming else "plain"
        if results and all(r == "passed" for r in results):
            replayed[(case.provider, case.endpoint, shape)] += 1
        else:
            reason = outcomes.reasons.get(file_id, f"failed: {results}")
            reason = "same request as another file, which replays" if "same request as" in reason else reason
            not_replayed[reason][(case.provider, case.endpoint)] += 1
    print_table(replayed, not_replayed, len(all_cases), wall, outcomes.seconds)
    return int(code)


def print_table(
    replayed: Counter[tuple[str, str, str]],
    not_replayed: dict[str, Counter[tuple[str, str]]],
    total: int,
    wall: float,
    replay_seconds: float,
) -> None:
    print(f"\n{sum(replayed.values())} of {total} files replay.\n")
    print("| provider | endpoint | plain | stream | error |")
    print("|---|---|---|---|---|")
    rows = sorted({(p, e) for p, e, _ in replayed})
    for provider, endpoint in rows:
        cells = [str(replayed.get((provider, endpoint, shape), "")) for shape in ("plain", "stream", "error")]
        print(f"| {provider} | `{endpoint}` | {' | '.join(cells)} |")
    print("\n| files not replayed | provider, endpoint | why |")
    print("|---|---|---|")
    for reason, where in sorted(not_replayed.items(), key=lambda item: -sum(item[1].values())):
        places = ", ".join(f"{p} `{e}` ({n})" for (p, e), n in sorted(where.items()))
        print(f"| {sum(where.values())} | {places} | {reason} |")
    print(f"\nWhole run {wall:.1f} s; time inside the tests (sync + async replays) {replay_seconds:.1f} s.")


if __name__ == "__main__":
    raise SystemExit(main())
