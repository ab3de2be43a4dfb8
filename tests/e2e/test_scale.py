"""At scale and to the byte: many tests on four workers, a long stream, a large body, SSE framing.

Each test records from a loopback server through the real SDK or httpx, then replays with the
server stopped and sockets forbidden, and compares what the client received in both runs.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator

import pytest

from fakes.inner_suite import PREAMBLE, InnerSuite
from fakes.loopback import LoopbackHandler, LoopbackServer, RecordedRequest

# Events as a server may send them: text whose data spans several lines (SSE joins them with "\n"),
# an empty line of data inside one, a trailing empty line, a named event, compact JSON.
MULTILINE_EVENTS = [
    b"event: note\ndata: first line\ndata: second line\n\n",
    b'data: {"delta":"x"}\n\n',
    b"data: a\ndata: \ndata: c\n\n",
    b"data: tail\ndata: \n\n",
    b"data: [DONE]\n\n",
]


class _EventsHandler(LoopbackHandler):
    def route(self, request: RecordedRequest) -> None:
        self.send_chunks("text/event-stream", MULTILINE_EVENTS)


class EventsServer(LoopbackServer):
    """Answers any request with MULTILINE_EVENTS, one HTTP chunk per event."""

    handler = _EventsHandler


@pytest.fixture
def events_server() -> Iterator[EventsServer]:
    with EventsServer(event_delay=0.0) as server:
        yield server


MULTILINE_SUITE = PREAMBLE + textwrap.dedent(
    """
    try:
        import httpx2 as httpx
    except ImportError:
        import httpx

    @pytest.mark.llm_recording
    def test_events():
        with httpx.stream("POST", BASE + "/events", json={"q": 1}) as response:
            chunks = [chunk.decode() for chunk in response.iter_raw()]
        save("events", chunks)
    """
)


def test_sse_data_of_several_lines_replays_as_the_lines_the_server_sent(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, events_server: EventsServer
) -> None:
    suite = InnerSuite(pytester, monkeypatch, events_server.base_url)
    pytester.makepyfile(test_events=MULTILINE_SUITE)
    suite.run("--llm-record=record-missing").assert_outcomes(passed=1)
    live = suite.results()["events"]
    assert "".join(live).encode() == b"".join(MULTILINE_EVENTS)
    (document,) = suite.documents().values()
    assert document["response"]["body"] == [
        {"event": "note", "data": "first line\nsecond line"},
        {"event": None, "data": {"delta": "x"}},
        {"event": None, "data": "a\n\nc"},
        {"event": None, "data": "tail\n"},
    ]
    events_server.stop()
    suite.forbid_sockets()

    suite.run().assert_outcomes(passed=1)

    assert suite.results()["events"] == [event.decode() for event in MULTILINE_EVENTS]
