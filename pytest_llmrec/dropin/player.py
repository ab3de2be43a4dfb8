"""A test's VCR.py cassette, answering the tape: VCR.py's own ``Cassette`` matches and counts plays.

The cassette is loaded as VCR.py loads it (its serializers, its ``before_record_*`` filters
applied to each interaction) and never saved: a cassette is read only. The tape asks it first
for each request; what it cannot answer goes on to the native recordings beside it. Native
replays and new recordings are noted on the cassette too, in memory, so what a test inspects on
the ``vcr`` fixture (``play_count``, ``requests``, ``all_played``) stays true after the switch.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from pathlib import Path
from typing import Any

from vcr.cassette import Cassette
from vcr.errors import UnhandledHTTPRequestError
from vcr.matchers import get_matchers_results
from vcr.request import Request

from pytest_llmrec import media
from pytest_llmrec.cassettes.responses import replay_response
from pytest_llmrec.misses import Candidate
from pytest_llmrec.normalize import normalize_body
from pytest_llmrec.storage.codec import ReplayResponse


def vcr_request(method: str, url: str, headers: media.Headers, body: bytes | None) -> Request:
    """The request as VCR.py's stubs build it: header values of a repeated name joined by commas."""
    joined: dict[str, str] = {}
    for name, value in _items(headers):
        joined[name] = f"{joined[name]}, {value}" if name in joined else value
    return Request(method, url, body, joined)


def _items(headers: media.Headers) -> Iterable[tuple[str, str]]:
    multi = getattr(headers, "multi_items", None)
    if multi is not None:
        return multi()  # type: ignore[no-any-return]
    return headers.items() if isinstance(headers, Mapping) else headers


def vcr_response(replay: ReplayResponse) -> dict[str, Any]:
    """A replayed or recorded answer in the form VCR.py keeps in ``cassette.responses``."""
    headers: dict[str, list[str]] = {}
    for name, value in replay.headers:
        headers.setdefault(name, []).append(value)
    return {
        "status": {"code": replay.status, "message": _reason(replay.status)},
        "headers": headers,
        "body": {"string": replay.content},
    }


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


class CassettePlayer:
    """One test's cassette (its own and the extra ones of ``@pytest.mark.vcr("shared.yaml")``)."""

    def __init__(self, cassette: Cassette, extras: tuple[Path, ...] = ()) -> None:
        self.cassette = cassette
        self.path = Path(cassette._path)
        self.extras = extras
        self.loaded = len(cassette.data)  # interactions that came from the files

    def filtered(self, request: Request) -> Request | None:
        """The request as the cassette stores it (``filter_*``, ``before_record_request``); None if ignored
        (``ignore_hosts``, ``ignore_localhost``, or the hook returned None)."""
        return self.cassette.filter_request(copy.deepcopy(request))

    def play(self, request: Request) -> ReplayResponse | None:
        """The first not yet played interaction that ``match_on`` says answers the request."""
        if not self.loaded:
            return None
        try:
            return replay_response(self.cassette.play_response(request), request.uri)
        except UnhandledHTTPRequestError:
            return None

    def note(self, request: Request, replay: ReplayResponse, *, played: bool) -> None:
        """A native replay (played) or a new recording, kept in memory as VCR.py would keep it."""
        stored = self.filtered(request)
        if stored is None:
            return
        self.cassette.data.append((stored, vcr_response(replay)))
        if played:
            self.cassette.play_counts[len(self.cassette.data) - 1] += 1

    def recorded_response(
        self, status: int, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes] | None:
        """A live answer after ``before_record_response`` (and ``decode_compressed_response``); None
        when the hook drops it, which then records nothing."""
        response = self.cassette._before_record_response(
            vcr_response(ReplayResponse(status, headers, [body]))
        )
        if response is None:
            return None
        string = response["body"]["string"]
        return (
            int(response["status"]["code"]),
            [(name, value) for name, values in response["headers"].items() for value in values],
            string.encode() if isinstance(string, str) else string,
        )

    def candidates(self, request: Request) -> list[Candidate]:
        """The cassette's interactions, for a miss message: each with the matchers it fails."""
        filtered = self.filtered(request) or request
        found = []
        for index, (stored, _) in enumerate(self.cassette.data[: self.loaded]):
            _, failed = get_matchers_results(filtered, stored, self.cassette._match_on)
            notes = [f"match_on fails: {name}" for name, _ in failed]
            if not failed and self.cassette.play_counts[index] and not self.cassette.allow_playback_repeats:
                notes.append("matches, but was played already (allow_playback_repeats is off)")
            found.append(
                Candidate(
                    Path(f"{self.path}#{index + 1}"),
                    stored.method,
                    stored.path,
                    normalize_body(stored.body, media.header(stored.headers, "content-type")),
                    "; ".join(notes),
                )
            )
        return found
