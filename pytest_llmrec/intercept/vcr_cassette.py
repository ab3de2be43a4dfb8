"""The cassette VCR.py's stubs drive (requests, urllib3, aiohttp, boto3, ...), answered by the tape.

VCR.py's stubs ask a cassette whether it can play a request, for the response, and to
append what went live. This adapter answers each from the test's ``Tape`` and holds no
state of its own beyond the plan made for each request object, since a stub asks more
than once about the same request. It is duck-typed rather than a subclass of VCR.py's
``Cassette``: every member a stub or the patcher builder reads is here, and
``tests/unit/intercept/test_vcr_contract.py`` checks that against the installed VCR.py.
"""

from __future__ import annotations

import asyncio
import time
from http import HTTPStatus
from typing import Any

import orjson

from pytest_llmrec import stream_timing
from pytest_llmrec.plan import Plan
from pytest_llmrec.storage.codec import ReplayResponse
from pytest_llmrec.tape import Tape

_PLAN_ATTRIBUTE = "_llmrec_plan"


class VcrCassette:
    """What VCR.py's stubs call on a cassette, delegated to the tape."""

    _path = "llmrec"  # VCR.py names the connection classes it builds after the cassette's path
    custom_patches: tuple[Any, ...] = ()
    write_protected = False  # a miss is raised by the tape's plan, with its explanation, not by VCR.py

    def __init__(self, tape: Tape, skip_patchers: tuple[str, ...] = ()) -> None:
        self.tape = tape
        self.skip_patchers = skip_patchers  # VCR.py's patcher groups whose client is not installed
        # Live plans whose response has not come: a stub appends a response only once it is whole,
        # so one still here when the test ends got none (the connection failed).
        self._waiting: set[Plan] = set()

    def _plan_for(self, vcr_request: Any) -> Plan:
        body = _body_bytes(vcr_request)
        cached = getattr(vcr_request, _PLAN_ATTRIBUTE, None)
        if cached is not None and cached[0] == body:
            return cached[1]  # type: ignore[no-any-return]
        plan = self.tape.plan(vcr_request.method, vcr_request.uri, vcr_request.headers, body)
        setattr(vcr_request, _PLAN_ATTRIBUTE, (body, plan))
        if (plan.replay is None and plan.request is not None) or plan.verify is not None:
            self._waiting.add(plan)
        return plan

    def release(self) -> None:
        """The test's block ends: a live request no response came back for failed, not cut short."""
        waiting, self._waiting = self._waiting, set()
        for plan in waiting:
            if plan.verify is not None:
                plan.unverified(ConnectionError("no response came back"))
            else:
                plan.failed()

    def filter_request(self, request: Any) -> Any:
        return request  # every request is the tape's to decide

    def find_requests_with_most_matches(self, request: Any) -> list[Any]:
        return []  # aiohttp's redirect replay then plays the redirect's own request, which the tape finds

    def can_play_response_for(self, request: Any) -> bool:
        """Under verify a stub sends the request live instead, and ``append`` compares the answer:
        VCR.py's stubs cannot both play a response and reach the server."""
        plan = self._plan_for(request)
        return plan.replay is not None and plan.verify is None

    def play_response(self, request: Any) -> dict[str, Any]:
        replay = self._plan_for(request).replay
        assert replay is not None, "play_response called for a request that has no recording"
        _wait_for_whole(replay)
        headers: dict[str, list[str]] = {}
        for name, value in replay.headers:
            headers.setdefault(name, []).append(value)
        return {
            "status": {"code": replay.status, "message": _reason(replay.status)},
            "headers": headers,
            "body": {"string": replay.content},
        }

    def append(self, request: Any, response: dict[str, Any]) -> None:
        """A live response, whole: recorded through the tape, its ids made stable in the recording.

        The stub hands the client the body it received, so such a client sees the real ids.
        """
        headers = [(name, value) for name, values in response["headers"].items() for value in values]
        plan = self._plan_for(request)
        self._waiting.discard(plan)
        if plan.verify is not None:  # the client gets the live answer here: see can_play_response_for
            plan.verified(response["status"]["code"], headers, response["body"].get("string") or b"")
            return
        take = plan.respond(response["status"]["code"], headers, rewrite=False)
        take.feed(response["body"].get("string") or b"")
        take.finish()


def _body_bytes(vcr_request: Any) -> bytes | None:
    """A VCR.py request's body as bytes: its aiohttp stub passes ``json=`` data as a dict or list."""
    body = vcr_request.body_bytes  # joins bodies that came from iterators or files
    if body is None or isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return orjson.dumps(body)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _wait_for_whole(replay: ReplayResponse) -> None:
    """A paced stream (``--llm-stream-timing``) comes whole, at the time of its last event, as these
    stubs hand a live one to the client whole once it has all come. Not in a running event loop (aiohttp's
    stub asks from a coroutine): sleeping there would block it, so aiohttp gets the body at once."""
    delay = stream_timing.whole_delay(replay.at)
    if delay <= 0:
        return
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        time.sleep(delay)
