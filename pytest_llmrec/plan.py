"""The decision for one request (``Plan``) and a live response on its way to the client (``Take``).

The tape makes a ``Plan`` per request: the response to replay, or what to send live. For a live
request, interception calls ``Plan.respond`` when the response begins and passes the body
through the returned ``Take`` (``feed`` each chunk, then ``finish``), which makes ids stable on
the way to the client and hands the whole body back to the tape to record.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from pytest_llmrec import media
from pytest_llmrec.matching import RequestKey
from pytest_llmrec.recorder import Exchange
from pytest_llmrec.storage import codec, pace, streams
from pytest_llmrec.storage.recording import StoredRequest

if TYPE_CHECKING:
    from vcr.request import Request as VcrRequest

    from pytest_llmrec.tape import Tape


class Plan:
    """The decision for one request: the response to replay, or what to send live.

    ``url`` and ``body`` are what a transport that can change the request sends: the test's
    request with every stable id it carries translated back to the real one (our httpx and
    httpx2 transports do; VCR.py's stubs send the request as the client made it).
    """

    def __init__(
        self,
        tape: Tape,
        exchange: Exchange,
        key: RequestKey,
        *,
        replay: codec.ReplayResponse | None = None,
        request: StoredRequest | None = None,
        url: str = "",
        body: bytes | None = None,
    ) -> None:
        self.tape, self.exchange, self.key = tape, exchange, key
        self.replay = replay
        self.request = request  # what the recording will say was asked; None: nothing is recorded
        self.url, self.body = url, body
        self.vcr_request: VcrRequest | None = None  # the request as a cassette sees it, in vcr-marked tests
        # Under verify: the recorded response the live one is compared with (``replay`` still answers).
        self.verify: codec.StoredResponse | None = None
        self.made_at = time.monotonic()  # about when the request goes out: the first byte's wait starts

    def respond(self, status: int, headers: Iterable[tuple[str, str]], *, rewrite: bool = True) -> Take:
        """The live response began: pass its body through the returned Take.

        ``rewrite=False``: the client receives the body from elsewhere (VCR.py's stubs hand it the
        body they read), so the take only records it, normalised as a whole.
        """
        return Take(self, status, list(headers), rewrite=rewrite)

    def failed(self) -> None:
        """The live request got no response (connection refused, timeout): nothing to record, and
        its place in the sequence of identical requests goes to the retry that may follow."""
        self.tape.failed(self)

    def verified(self, status: int, headers: Iterable[tuple[str, str]], body: bytes) -> None:
        """Under verify: the whole live response, to compare with the recording that answers."""
        self.tape.verified(self, status, list(headers), body)

    def unverified(self, error: BaseException) -> None:
        """Under verify: the live request got no response, so nothing could be compared."""
        self.tape.unverified(self, error)


class Take:
    """A live response on its way to the client: its ids made stable as it passes, recorded once whole.

    Streams (SSE, NDJSON) pass frame by frame; a JSON body is rewritten whole, so a client
    reads it all first (``whole``). A compressed or non-JSON body passes as it came and is
    normalised only in the recording.
    """

    def __init__(self, plan: Plan, status: int, headers: list[tuple[str, str]], *, rewrite: bool) -> None:
        self.plan, self.status, self.headers = plan, status, headers
        self.ids = plan.tape.ids.response(plan.key.digest, plan.exchange.occurrence)
        self.finished = False
        self._parts: list[bytes] = []
        kind = media.kind(media.header(headers, "content-type"))
        self._rewriter = self._rewriter_for(kind) if rewrite else None
        # A stream passed on frame by frame is timed; one handed over whole (VCR.py's stubs) is not.
        timed = isinstance(self._rewriter, streams.FrameRewriter)
        self.clock = pace.Clock(asked=plan.made_at) if timed else None

    def _rewriter_for(self, kind: media.Kind) -> streams.Rewriter | None:
        if media.header(self.headers, "content-encoding") not in (None, "", "identity"):
            return None  # the server compressed anyway: passed on as is, recorded decompressed
        endpoint = self.plan.exchange.endpoint

        def rewrite(data: bytes) -> bytes:
            return self.ids.normalize_json(data, endpoint)

        if kind in ("sse", "ndjson"):
            return streams.FrameRewriter(kind == "sse", rewrite)
        return streams.JsonRewriter(rewrite) if kind == "json" else None

    @property
    def whole(self) -> bool:
        """The body is rewritten as a whole: read all of it, then ``feed`` and ``finish`` at once."""
        return isinstance(self._rewriter, streams.JsonRewriter)

    @property
    def rewritten(self) -> bool:
        """The client receives the body with stable ids (else it receives the body as it came)."""
        return self._rewriter is not None

    def feed(self, chunk: bytes) -> bytes:
        """Take a chunk of the live body; returns what to pass on to the client now."""
        if self.clock is not None:
            self.clock.came(chunk)
        out = self._rewriter.feed(chunk) if self._rewriter is not None else chunk
        if self.clock is not None:
            self.clock.passed(out)
        self._parts.append(out)
        return out

    def finish(self) -> bytes:
        """The body ended: returns what is left to pass on, and records the whole (once)."""
        if self.finished:
            return b""
        self.finished = True
        rest = self._rewriter.finish() if self._rewriter is not None else b""
        if self.clock is not None:
            self.clock.passed(rest)
        self._parts.append(rest)
        self.plan.tape.taken(self, b"".join(self._parts))
        return rest
