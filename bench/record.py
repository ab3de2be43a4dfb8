"""Recording, once per benchmark run: both recorders capture the same loopback server's answers.

The server (the project's ``tests/fakes/llm_server.py``) is stopped before any replay, so a contender
that fell back to the network would fail rather than look fast. The floor's canned dict is read
from VCR.py's cassettes, so all three replay the same content.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
import yaml
from contenders import FLOOR, LLMREC, VCR, Contender
from measure import run_session
from workloads import Workload

REPO = Path(__file__).resolve().parents[1]


@contextmanager
def loopback_server() -> Iterator[Any]:
    """The project's OpenAI-compatible test server, streaming without delays between events."""
    sys.path.insert(0, str(REPO / "tests"))
    try:
        from fakes.llm_server import OpenAICompatibleServer
    finally:
        sys.path.remove(str(REPO / "tests"))
    with OpenAICompatibleServer(event_delay=0.0) as server:
        yield server


def record(roots: dict[str, Path], workloads: list[Workload]) -> str:
    """Record every workload with both recorders at once (nothing is timed here); returns the base URL."""
    total = sum(w.requests for w in workloads)
    with loopback_server() as server, ThreadPoolExecutor(2) as pool:
        base_url: str = server.base_url

        def one(contender: Contender) -> None:
            assert contender.record_args is not None
            outcome = run_session(roots[contender.name], ".", contender.record_args, base_url, "record")
            if len(outcome.notes) != total:
                raise RuntimeError(f"{contender.name} recorded {len(outcome.notes)} answers, not {total}")

        list(pool.map(one, (LLMREC, VCR)))
        if len(server.requests) != 2 * total:
            raise RuntimeError(f"the server saw {len(server.requests)} requests, expected {2 * total}")
    canned = canned_from_cassettes(roots[VCR.name])
    if len(canned) != total:
        raise RuntimeError(f"the cassettes hold {len(canned)} distinct requests, expected {total}")
    (roots[FLOOR.name] / "canned.json").write_bytes(orjson.dumps(canned))
    return base_url


def canned_from_cassettes(vcr_root: Path) -> dict[str, list[Any]]:
    """Every interaction of every cassette under ``vcr_root``, keyed as the floor's conftest looks it up."""
    canned: dict[str, list[Any]] = {}
    for cassette in sorted(vcr_root.glob("**/cassettes/**/*.yaml")):
        document = yaml.load(cassette.read_text(), Loader=yaml.CSafeLoader)
        for interaction in document["interactions"]:
            request, response = interaction["request"], interaction["response"]
            path = "/" + request["uri"].split("://", 1)[1].split("/", 1)[1].split("?", 1)[0]
            key = json.dumps([request["method"], path, json.loads(request["body"])], sort_keys=True)
            body = response["body"]["string"]
            text = body.decode() if isinstance(body, bytes) else body
            canned[key] = [response["status"]["code"], response["headers"]["content-type"][0], text]
    return canned
