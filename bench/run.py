"""Replay speed of pytest-llmrec against VCR.py and an in-memory floor, as ratios from one run.

Usage: ``python bench/run.py [--reps N] [--sizes 1,40,120] [--keep]``; writes bench/results.md.
Absolute seconds depend on the machine. The ratios between contenders, measured side by side and
interleaved in the same run, are what carry over.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

from contenders import EMPTY, FLOOR, REPLAYERS, Contender
from measure import replay
from record import record
from report import Results, Timings, body_table, main_table
from workloads import SIZES, STREAM_EVENTS, Workload, default_workloads, write_workload

BENCH = Path(__file__).resolve().parent
PACKAGES = ("pytest-llmrec", "vcrpy", "pytest-recording", "openai", "httpx2", "httpx", "pytest")


def generate(tmp: Path, workloads: list[Workload]) -> dict[str, Path]:
    """One directory tree per contender, with the same test bodies in each."""
    roots = {c.name: tmp / c.name.split()[0].lower().replace(".", "") for c in (*REPLAYERS, EMPTY)}
    for contender in REPLAYERS:
        contender.write_root(roots[contender.name])
        for workload in workloads:
            write_workload(roots[contender.name], workload, contender.marker, empty=False)
    EMPTY.write_root(roots[EMPTY.name])
    for twin in dict.fromkeys(w.empty_twin for w in workloads):
        write_workload(roots[EMPTY.name], twin, "", empty=True)
    return roots


def check_answers(workload: Workload, contender: Contender, notes: list[str], reference: list[str]) -> None:
    """Every contender must hand the tests the same answers, and every stream all its events."""
    if notes != reference:
        first = next(i for i, (a, b) in enumerate(zip(notes, reference, strict=True)) if a != b)
        raise RuntimeError(f"{contender.name} on {workload.name}: answer {first} differs: {notes[first]!r}")
    if workload.stream and not all(n.startswith(f"{STREAM_EVENTS} chunks: ") for n in notes):
        raise RuntimeError(f"{contender.name} on {workload.name}: a stream lost events: {notes[0][:40]!r}")


def measure(
    roots: dict[str, Path], workloads: list[Workload], base_url: str, reps: int
) -> tuple[Results, dict[Workload, Timings]]:
    """Interleave the contenders, rotating who goes first, so drift in the machine hits all alike."""
    results = {w.name: {c.name: Timings() for c in REPLAYERS} for w in workloads}
    startups = {twin: Timings() for twin in dict.fromkeys(w.empty_twin for w in workloads)}
    reference: dict[str, list[str]] = {}
    for rep in range(reps):
        started = time.perf_counter()
        for twin, timings in startups.items():
            timings.runs.append(replay(EMPTY, roots[EMPTY.name], twin.name, base_url, 0).seconds)
        for workload in workloads:
            shift = rep % len(REPLAYERS)
            for contender in REPLAYERS[shift:] + REPLAYERS[:shift]:
                outcome = replay(contender, roots[contender.name], workload.name, base_url, workload.requests)
                check_answers(
                    workload, contender, outcome.notes, reference.setdefault(workload.name, outcome.notes)
                )
                results[workload.name][contender.name].runs.append(outcome.seconds)
                results[workload.name][contender.name].in_bodies.append(outcome.in_bodies)
        print(f"repetition {rep + 1}/{reps}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return results, startups


def environment(reps: int) -> str:
    versions = []
    for package in PACKAGES:
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            continue
    machine = f"Python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.platform()}"
    return f"{machine}; {', '.join(versions)}. Median of {reps} interleaved repetitions."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=7, help="repetitions of every session (default 7)")
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, SIZES)),
        help="chat requests in the one-test workloads (default %(default)s; VCR.py needs ~60 s for 500)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated suites and recordings")
    parser.add_argument("--out", type=Path, default=BENCH / "results.md")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    workloads = default_workloads(tuple(int(k) for k in args.sizes.split(",")))
    tmp = Path(tempfile.mkdtemp(prefix="llmrec-bench-"))
    try:
        roots = generate(tmp, workloads)
        base_url = record(roots, workloads)
        print(f"recorded in {time.perf_counter() - start:.0f} s, in {tmp}", file=sys.stderr)
        results, startups = measure(roots, workloads, base_url, args.reps)
    finally:
        if not args.keep:
            shutil.rmtree(tmp)
    text = "\n".join(
        [
            "Whole pytest sessions (wall time, each in a fresh subprocess):\n",
            main_table(workloads, results, startups, FLOOR.name),
            "Inside the test bodies (the requests only, no startup, collection or fixtures), per request:\n",
            body_table(workloads, results, FLOOR.name),
            f"{environment(args.reps)} Whole benchmark: {time.perf_counter() - start:.0f} s.",
        ]
    )
    print(text)
    args.out.write_text("# Replay benchmark results\n\n" + text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
