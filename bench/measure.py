"""Running one pytest session in a subprocess, timing it, and checking it really replayed.

Wall time of the whole session is what a developer waits for, so that is what is timed: a fresh
interpreter, pytest's startup, the plugins, collection, the tests and teardown.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from contenders import Contender, answered_by_layer

BENCH = Path(__file__).resolve().parent
REPORT = "bench-report.json"


@dataclass(frozen=True)
class Outcome:
    seconds: float  # the whole session
    in_bodies: float  # inside the test functions
    notes: list[str]  # what the tests received, in order
    answered: int  # requests the replay layer answered


def session_env(base_url: str, phase: str, root: Path) -> dict[str, str]:
    """The parent's environment minus anything that could change a mode or reach a provider."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "LLMREC_", "PYTEST_"))}
    env.update(
        PYTHONPATH=str(BENCH),  # for -p harness
        PYTHONDONTWRITEBYTECODE="1",  # every run compiles the test modules alike: no warm-up run needed
        PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",  # each contender names its one plugin with -p
        OPENAI_BASE_URL=base_url,
        BENCH_PHASE=phase,
        BENCH_REPORT=str(root / REPORT),
    )
    return env


def run_session(root: Path, target: str, args: tuple[str, ...], base_url: str, phase: str) -> Outcome:
    """One ``python -m pytest`` session in ``root``; raises with its output if it did not pass."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "harness", *args, target]
    env = session_env(base_url, phase, root)
    for stale in root.glob("*report.json"):  # ours and the plugin's own: never read a previous run's
        stale.unlink()
    start = time.perf_counter()
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} (in {root}) failed:\n{done.stdout[-4000:]}{done.stderr[-2000:]}"
        )
    report = json.loads((root / REPORT).read_text())
    if report["connects"]:
        raise RuntimeError(f"{root}: a replaying session tried to open sockets: {report['connects'][:3]}")
    return Outcome(seconds, report["in_bodies"], report["notes"], report["answered"])


def replay(contender: Contender, root: Path, target: str, base_url: str, requests: int) -> Outcome:
    """Time one replay and check it answered every request from its recordings and nothing else."""
    outcome = run_session(root, target, contender.replay_args, base_url, "replay")
    layer = answered_by_layer(contender, root, outcome.answered)
    if len(outcome.notes) != requests or layer != requests:
        raise RuntimeError(
            f"{contender.name} on {target}: {len(outcome.notes)} answers reached the tests and "
            f"{layer} were replayed, expected {requests}"
        )
    return Outcome(outcome.seconds, outcome.in_bodies, outcome.notes, layer)
