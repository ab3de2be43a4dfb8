"""What the guard costs per request: replayed chat completions and loopback connections, with and without it.

Usage: ``python bench/guard.py [--requests 300] [--repeat 5]`` (about a minute).

Each run is a fresh interpreter (an audit hook cannot be removed), in three set-ups: no hook, the
hook installed with no guard current (every test outside a guarded one), and a replay guard current
(every replaying test). ``replay`` replays chat completions through the openai SDK; ``connect``
opens one loopback connection per request (host allowed), the guard's check on every connect.
The figure is the median time per request and its ratio to no hook, paired run by run.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from instructions import record

RUN = """
import contextlib, socket, sys, time
from pathlib import Path
which, setup, n, root = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
from pytest_llmrec.intercept import audit
from pytest_llmrec.intercept.guard import guarding, replay_guard
stack = contextlib.ExitStack()
if setup != "none":
    audit.install()
if setup == "guard":
    stack.enter_context(guarding(replay_guard(frozenset({"127.0.0.1"}), "bench::one")))
if which == "replay":
    import openai
    from pytest_llmrec.config import RecordingConfig
    from pytest_llmrec.intercept.patchers import intercepting
    from pytest_llmrec.modes import Mode
    from pytest_llmrec.tape import Tape
    from instructions import MODEL, messages
    client = openai.OpenAI(base_url="http://127.0.0.1:9/v1", api_key="x", max_retries=0)
    with intercepting(Tape(RecordingConfig("bench::one", Mode.REPLAY, root / "recordings"), "bench::one")):
        client.chat.completions.create(model=MODEL, messages=messages(0))
        start = time.perf_counter()
        for i in range(1, n):
            client.chat.completions.create(model=MODEL, messages=messages(i))
        n -= 1
else:
    server = socket.create_server(("127.0.0.1", 0), backlog=n + 1)
    address = server.getsockname()
    start = time.perf_counter()
    for i in range(n):
        socket.create_connection(address).close()
        server.accept()[0].close()
print((time.perf_counter() - start) / n)
"""

SETUPS = ("none", "hook", "guard")


def per_request(which: str, setup: str, requests: int, root: Path) -> float:
    env_path = str(Path(__file__).parent)
    command = [sys.executable, "-c", RUN, which, setup, str(requests), str(root)]
    out = subprocess.run(command, check=True, capture_output=True, text=True, env={"PYTHONPATH": env_path})
    return float(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        record(root, args.requests)
        for which in ("replay", "connect"):
            times: dict[str, list[float]] = {setup: [] for setup in SETUPS}
            for _ in range(args.repeat):
                for setup in SETUPS:
                    times[setup].append(per_request(which, setup, args.requests, root))
            for setup in SETUPS:
                ratios = [mine / base for mine, base in zip(times[setup], times["none"], strict=True)]
                print(
                    f"{which:8} {setup:6} {statistics.median(times[setup]) * 1e6:8.1f} us/request  "
                    f"x{statistics.median(ratios):.3f} (range {min(ratios):.3f}-{max(ratios):.3f})"
                )


if __name__ == "__main__":
    main()
