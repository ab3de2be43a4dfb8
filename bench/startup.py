"""Start-up cost of the plugin with 10,000 recordings on disk: pytest with it, and with ``-p no:llmrec``.

A session of one marked test that makes no request, in a project whose ``recordings/``
holds N recording files (default 10,000, spread over 100 scope folders). Each
repetition runs both sessions in fresh subprocesses, in alternating order, and the
medians are compared. What a developer waits for is the whole session, so that is timed.

    python bench/startup.py [--files 10000] [--reps 9] [--collect-only] [--src DIR]

``--collect-only`` times ``pytest --collect-only`` instead: start-up and collection alone,
without the marked test's first use of VCR.py (which imports every installed HTTP client).

``--src DIR`` runs the plugin from another checkout (DIR goes first on PYTHONPATH), to
compare a change with what it replaces. It is a script, not a test: timings do not
belong in a pass/fail suite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

MARKED = textwrap.dedent(
    """
    import pytest

    @pytest.mark.llm_recording
    def test_marked():
        pass
    """
)
FOLDERS = 100


def make_project(root: Path, files: int) -> None:
    """One marked test, and ``files`` recordings under ``recordings/`` (their content is never read)."""
    (root / "test_marked.py").write_text(MARKED)
    (root / "pytest.ini").write_text("[pytest]\n")
    for n in range(files):
        folder = root / "recordings" / "test_old" / f"test_{n % FOLDERS}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{n:064x}.json").write_text("{}\n")


def session_seconds(root: Path, args: list[str], src: str | None, collect_only: bool) -> float:
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]
    command += ["--collect-only"] if collect_only else []
    started = time.perf_counter()
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    expected = "1 test collected" if collect_only else "1 passed"
    if done.returncode != 0 or expected not in done.stdout:
        raise SystemExit(f"{' '.join(command)} failed in {root}:\n{done.stdout}{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000, help="recordings on disk (default 10000)")
    parser.add_argument("--reps", type=int, default=9, help="repetitions of each session (default 9)")
    parser.add_argument("--collect-only", action="store_true", help="time pytest --collect-only sessions")
    parser.add_argument("--src", help="run the plugin from this checkout instead of the installed one")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="llmrec-startup-") as tmp:
        root = Path(tmp)
        make_project(root, options.files)
        plugin: list[float] = []
        without: list[float] = []
        session_seconds(root, [], options.src, options.collect_only)  # warm the disk cache and bytecode
        for rep in range(options.reps):
            pair = [(plugin, []), (without, ["-p", "no:llmrec"])]
            for times, args in pair if rep % 2 == 0 else reversed(pair):
                times.append(session_seconds(root, args, options.src, options.collect_only))
    what = "pytest --collect-only" if options.collect_only else "a one-test run"
    print(f"{options.files} recordings on disk, {what}, {options.reps} repetitions, wall time:")
    for label, times in (("with pytest-llmrec", plugin), ("-p no:llmrec", without)):
        low, mid, high = (1000 * value for value in (min(times), statistics.median(times), max(times)))
        print(f"  {label:<20} median {mid:6.0f} ms  (min {low:.0f}, max {high:.0f})")
    difference = 1000 * (statistics.median(plugin) - statistics.median(without))
    print(f"  difference of the medians: {difference:+.0f} ms")


if __name__ == "__main__":
    main()
