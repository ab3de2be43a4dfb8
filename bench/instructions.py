"""Instructions per replayed request, pytest-llmrec against the in-memory floor: a count, not a time.

Usage: ``python bench/instructions.py [--requests 50]`` (needs valgrind; about 2.5 minutes).

On a shared machine the same replay can take half or twice as long from one repetition to the next,
which hides a difference of a few per cent in any timing. valgrind's callgrind counts the
instructions a process executes instead, the same on every run. Each contender replays N and then
5N chat completions through the real openai SDK in a fresh interpreter; the difference, divided by
4N, is the price of one request without the interpreter's start-up or imports. Hash seeds are
fixed and what the imports built is frozen out of the collector's way (``gc.freeze``) before the
requests, so a full collection of the import-time heap landing in one run and not the other does
not decide the result; collections of what the requests allocate still count. System calls (the
one file a replay opens) run in the kernel and are not counted.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MODEL = "gpt-4o-mini"
SYSTEM = "You are a support assistant for an online bookshop. Answer in one short paragraph."

# One replaying process: ``python -c REPLAY <floor|llmrec> <requests> <dir>``. The floor's client
# takes its transport directly (no mounts, which cost a pattern match per request).
REPLAY = """
import gc, sys
from pathlib import Path
import openai
from pytest_llmrec.config import RecordingConfig
from pytest_llmrec.intercept.patchers import intercepting
from pytest_llmrec.modes import Mode
from pytest_llmrec.tape import Tape
from instructions import MODEL, messages, mock_transport
which, n, root = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
if which == "floor":
    http = openai.DefaultHttpxClient(transport=mock_transport(root))
    client = openai.OpenAI(base_url="http://127.0.0.1:9/v1", api_key="x", max_retries=0, http_client=http)
    gc.collect(); gc.freeze()
    for i in range(n):
        client.chat.completions.create(model=MODEL, messages=messages(i))
else:
    client = openai.OpenAI(base_url="http://127.0.0.1:9/v1", api_key="x", max_retries=0)
    with intercepting(Tape(RecordingConfig("bench::one", Mode.REPLAY, root / "recordings"), "bench::one")):
        gc.collect(); gc.freeze()
        for i in range(n):
            client.chat.completions.create(model=MODEL, messages=messages(i))
"""


def messages(i: int) -> list[dict[str, str]]:
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": f"Where is order {i}?"}]


def mock_transport(root: Path) -> object:
    """The floor: the SDK's own transport, answering from a dict of what the server sent."""
    import httpx2

    canned = json.loads((root / "canned.json").read_text())

    def answer(request: httpx2.Request) -> httpx2.Response:
        text = canned[json.loads(request.content)["messages"][1]["content"]]
        return httpx2.Response(200, headers={"content-type": "application/json"}, content=text.encode())

    return httpx2.MockTransport(answer)


def record(root: Path, requests: int) -> None:
    """pytest-llmrec's recordings and the floor's dict, from the same loopback server."""
    sys.path.insert(0, str(REPO / "tests"))
    import httpx2
    import openai

    from fakes.llm_server import OpenAICompatibleServer
    from pytest_llmrec.config import RecordingConfig
    from pytest_llmrec.intercept.patchers import intercepting
    from pytest_llmrec.modes import Mode
    from pytest_llmrec.tape import Tape

    def config(mode: Mode) -> RecordingConfig:
        return RecordingConfig("bench::one", mode, root / "recordings")

    canned: dict[str, str] = {}
    with OpenAICompatibleServer() as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0)
        tape = Tape(config(Mode.RECORD_MISSING), "bench::one")
        with intercepting(tape):
            for i in range(requests):
                client.chat.completions.create(model=MODEL, messages=messages(i))
        tape.close(passed=True)

    def answer(request: httpx2.Request) -> httpx2.Response:
        """What the SDK receives on replay, kept for the floor: the same bytes, stable ids and all."""
        plan = reader.plan(request.method, str(request.url), request.headers, request.content)
        assert plan.replay is not None
        canned[json.loads(request.content)["messages"][1]["content"]] = plan.replay.content.decode()
        return httpx2.Response(200, headers=plan.replay.headers, content=plan.replay.content)

    reader = Tape(config(Mode.REPLAY), "bench::one")
    http = openai.DefaultHttpxClient(mounts={"http://": httpx2.MockTransport(answer)})
    client = openai.OpenAI(base_url="http://127.0.0.1:9/v1", api_key="x", max_retries=0, http_client=http)
    for i in range(requests):
        client.chat.completions.create(model=MODEL, messages=messages(i))
    (root / "canned.json").write_text(json.dumps(canned))


def instructions(which: str, requests: int, root: Path) -> int:
    out = root / f"callgrind.{which}.{requests}"
    command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, "-c", REPLAY]
    env = {"PYTHONPATH": str(REPO / "bench"), "PATH": "/usr/bin:/bin", "PYTHONHASHSEED": "0"}
    subprocess.run([*command, which, str(requests), str(root)], check=True, capture_output=True, env=env)
    match = re.search(r"^summary: (\d+)$", out.read_text(), re.M)
    assert match, f"no summary in {out}"
    return int(match.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50, help="N: replays of N and of 5N (default 50)")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        print("needs valgrind (Debian: apt-get install valgrind)", file=sys.stderr)
        return 2
    n = args.requests
    with tempfile.TemporaryDirectory(prefix="llmrec-instructions-") as tmp:
        root = Path(tmp)
        record(root, 5 * n)
        runs = [(which, count) for which in ("floor", "llmrec") for count in (n, 5 * n)]
        with ThreadPoolExecutor(2) as pool:  # instruction counts do not depend on what else runs
            counted = dict(zip(runs, pool.map(lambda run: instructions(*run, root), runs), strict=True))
        per = {which: (counted[which, 5 * n] - counted[which, n]) / (4 * n) for which in ("floor", "llmrec")}
    print("| contender | instructions per replayed request | x floor |\n|---|---|---|")
    print(f"| floor (httpx2.MockTransport) | {per['floor']:,.0f} | 1.000 |")
    print(f"| pytest-llmrec | {per['llmrec']:,.0f} | {per['llmrec'] / per['floor']:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
