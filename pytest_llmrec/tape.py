"""One test's session of recordings: what answers each request, and what the test leaves on disk.

A ``Tape`` makes every decision about one test's traffic and knows no HTTP client.
Interception asks it once per request (``plan``) and gets back a ``Plan`` (``plan.py``): the
response to replay, or what to send live and how to take the live response in. A vcr-marked
test's tape asks its cassette first (``dropin.player``). New recordings wait in memory
until ``close`` keeps or drops them at teardown, so a test that fails can leave none.
"""

from __future__ import annotations

import contextlib
import dataclasses
import shlex
import threading
import warnings
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_llmrec import drift, keeping, media, stream_timing
from pytest_llmrec.config import RecordingConfig
from pytest_llmrec.errors import (
    BudgetExceededError,
    RecordingFileError,
    RecordingMissError,
    RecordingWarning,
)
from pytest_llmrec.ids import IdMap
from pytest_llmrec.llama_stack.index import ForeignIndexes, find
from pytest_llmrec.matching import KeyOptions, RequestKey, public_url, request_key
from pytest_llmrec.misses import Candidate, explain_miss
from pytest_llmrec.modes import Mode
from pytest_llmrec.normalize import normalize_json
from pytest_llmrec.plan import Plan, Take
from pytest_llmrec.pricing.meter import Meter
from pytest_llmrec.reading.answers import assemble
from pytest_llmrec.recorder import Exchange, LLMRecorder
from pytest_llmrec.storage import codec, key_check, pace, payloads, provenance, sdk_check
from pytest_llmrec.storage.credentials import Names
from pytest_llmrec.storage.recording import Recording, StoredRequest, request_body_for_storage
from pytest_llmrec.storage.scrub import Scrubber
from pytest_llmrec.storage.store import Store, recording_path

if TYPE_CHECKING:  # VCR.py is imported only by tests that use a cassette
    from vcr.request import Request as VcrRequest

    from pytest_llmrec.dropin.player import CassettePlayer


class Tape:
    """One test's recordings: decide per request, record what went live, keep or drop at the end."""

    def __init__(
        self,
        config: RecordingConfig,
        nodeid: str,
        *,
        refreshed: set[Path] | None = None,
        foreign: ForeignIndexes | None = None,
        cassette: CassettePlayer | None = None,
        meter: Meter | None = None,
        changes: list[dict[str, Any]] | None = None,
        stamp: bool = False,
    ) -> None:
        """``refreshed``: files already rewritten in this run, which ``rewrite`` replays instead of
        fetching again, so tests sharing a scope re-record each request once. ``foreign``: the run's
        indexes of llama-stack recordings. ``cassette``: a vcr-marked test's cassette, asked first.
        ``meter``: the run's, which prices responses and holds live requests to the budget.
        ``changes``: where to add what each written file changed (``--llm-review``). ``stamp``:
        give each new recording its provenance (a live answer; not a converted cassette)."""
        self.config = config
        self.cassette = cassette
        self.nodeid = nodeid
        self.meter = meter if meter is not None else Meter()
        self.refreshed = refreshed if refreshed is not None else set()
        self.foreign = foreign if foreign is not None else ForeignIndexes()
        names = Names.extended(config.scrub_headers, config.scrub_query_params, config.scrub_fields)
        self.store = Store(config.recordings_dir, Scrubber(config.scrub_env_vars, config.scrub, names))
        self.changes, self.stamp = changes, stamp
        if changes is not None:
            self.store.replaced = {}
        # The scope's folder in each directory, computed once per test rather than per request.
        self._folder = self.store.scope_dir(config.scope)
        self._shared = [(store, store.scope_dir(config.scope)) for store in map(Store, config.shared_dirs)]
        self._extra = [(Store(root), scope) for root, scope in config.extra_scopes]
        self.key_options = KeyOptions(
            config.scope, config.ignore, config.match_host, credential_params=config.scrub_query_params
        )
        self.recorder = LLMRecorder(config)
        self.ids = IdMap()
        self._calls: Counter[str] = Counter()
        self._pending: list[tuple[Path, Recording]] = []
        self._unfinished: set[Exchange] = set()  # planned for recording, response not complete yet
        self._lock = threading.Lock()

    # -- per request ------------------------------------------------------------------------------

    def plan(self, method: str, url: str, headers: media.Headers, body: bytes | None) -> Plan:
        """Replay, record or pass through; raises RecordingMissError when replay has nothing.

        With a cassette, the request is keyed as the cassette stores it (after VCR.py's
        ``filter_*`` and ``before_record_request``), and the cassette answers first.
        """
        sent_url, sent_body = url, body
        vcr_request = None
        if self.cassette is not None:
            from pytest_llmrec.dropin.player import vcr_request as to_vcr

            vcr_request = to_vcr(method, url, headers, body)
            stored = self.cassette.filtered(vcr_request)
            if stored is None:
                return self._ignored(method, url, body)
            method, url, headers, body = stored.method, stored.uri, stored.headers, stored.body
        content_type = media.header(headers, "content-type")
        key = request_key(method, url, content_type, body, self.key_options)
        with self._lock:
            self._calls[key.digest] += 1
            occurrence = self._calls[key.digest]
        path = recording_path(self._folder, key.digest, occurrence)
        shown = public_url(url, self.config.scrub_query_params)  # the log and messages show no credential
        exchange = Exchange(method.upper(), shown, key.digest, path, occurrence)
        mode = self.config.mode
        if vcr_request is not None and self.cassette is not None and not mode.goes_live_on_hit:
            replay = self.cassette.play(vcr_request)
            if replay is not None:
                return self._from_cassette(exchange, key, replay)
        fresh_enough = not mode.goes_live_on_hit or (mode is Mode.REWRITE and exchange.path in self.refreshed)
        found = self._find(key, exchange, (method, url, content_type, body)) if fresh_enough else None
        if found is not None:
            if mode is Mode.VERIFY:  # also sent live: held to the budget as any live request
                self._within_budget(exchange, key)
            plan = self._replaying(exchange, key, *found)
            if mode is Mode.VERIFY:
                self._verifying(plan, *found, sent_url, sent_body)
            if vcr_request is not None and self.cassette is not None and plan.replay is not None:
                self.cassette.note(vcr_request, plan.replay, played=True)
            return plan
        # What this request carried is replaced in what it records and in a miss message; a replayed
        # request writes and prints nothing, so it is not worth parsing its credentials.
        self.store.scrubber.learn(sent_url, headers, sent_body, content_type)
        if mode in (Mode.REPLAY, Mode.VERIFY):  # verify compares recordings: one missing is a miss
            self._miss(exchange, key, occurrence, vcr_request)
        plan = self._live(exchange, key, content_type, body, sent_url, sent_body)
        plan.vcr_request = vcr_request
        return plan

    def _live(
        self,
        exchange: Exchange,
        key: RequestKey,
        content_type: str | None,
        body: bytes | None,
        sent_url: str,
        sent_body: bytes | None,
    ) -> Plan:
        self._within_budget(exchange, key)
        request = None
        if self.config.mode.records:
            request = StoredRequest(
                method=exchange.method,
                url=exchange.url,
                body=request_body_for_storage(body, content_type, self.config.ignore),
                endpoint=exchange.endpoint,
                model=_model_of(key),
            )
        with self._lock:
            self.recorder.sent.append(exchange)
            if request is not None:
                self._unfinished.add(exchange)
        real_body = self.ids.to_real_bytes(sent_body) if sent_body else sent_body
        return Plan(self, exchange, key, request=request, url=self.ids.to_real(sent_url), body=real_body)

    def _within_budget(self, exchange: Exchange, key: RequestKey) -> None:
        """Before a request goes live: past the budget it is refused unsent, and takes no place in the
        sequence of identical requests."""
        try:
            self.meter.check(self.recorder.cost, exchange.method, exchange.url)
        except BudgetExceededError:
            with self._lock:
                self._calls[key.digest] -= 1
            raise

    def _verifying(
        self, plan: Plan, source: Path, recording: Recording, sent_url: str, sent_body: bytes | None
    ) -> None:
        """Also send the request live (with the real ids), to compare its answer with the recording."""
        plan.exchange = dataclasses.replace(plan.exchange, path=source)  # drift names the file compared
        plan.verify = recording.response
        plan.url = self.ids.to_real(sent_url)
        plan.body = self.ids.to_real_bytes(sent_body) if sent_body else sent_body
        with self._lock:
            self.recorder.sent.append(plan.exchange)

    def verified(self, plan: Plan, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        """The live answer to a verified request, whole: its shape compared with the recording's."""
        assert plan.verify is not None
        try:
            live = codec.encode_response(status, headers, body, plan.exchange.endpoint)
        except ValueError as error:  # a body its own headers do not describe
            self.unverified(plan, error)
            return
        drifts = drift.detect(plan.verify, live)
        with self._lock:
            self.recorder.tokens_live += payloads.tokens_used(live.body)
            self.recorder.verified.append(plan.exchange)
            if drifts:
                self.recorder.drift.append((plan.exchange, drifts))
        self.meter.count(self.recorder.cost, live.body, _model_of(plan.key), live=True)

    def unverified(self, plan: Plan, error: BaseException) -> None:
        """A verified request got no live answer: listed as drift, since nothing could be compared."""
        why = drift.Drift(drift.NO_LIVE_RESPONSE, "response", f"{type(error).__name__}: {error}")
        with self._lock:
            self.recorder.drift.append((plan.exchange, [why]))

    def _ignored(self, method: str, url: str, body: bytes | None) -> Plan:
        """A request the cassette's config ignores (``ignore_hosts``, ``before_record_request``
        returning None): sent as it is, recorded nowhere, as VCR.py does."""
        shown = public_url(url, self.config.scrub_query_params)
        key = RequestKey("", {})
        exchange = Exchange(method.upper(), shown, "", Path(), 1)
        with self._lock:
            self.recorder.sent.append(exchange)
        return Plan(self, exchange, key, url=url, body=body)

    def _from_cassette(self, exchange: Exchange, key: RequestKey, replay: codec.ReplayResponse) -> Plan:
        assert self.cassette is not None
        with contextlib.suppress(ValueError):  # an encoding we cannot read: no count
            response = codec.encode_response(replay.status, replay.headers, replay.content, exchange.endpoint)
            with self._lock:
                self.recorder.tokens_replayed += payloads.tokens_used(response.body)
            self.meter.count(self.recorder.cost, response.body, _model_of(key), live=False)
        with self._lock:
            self._calls[key.digest] -= 1  # the cassette answered: the n-th native file is still the n-th
            self.recorder.replayed.append(dataclasses.replace(exchange, path=self.cassette.path))
        return Plan(self, exchange, key, replay=replay)

    def _find(
        self, key: RequestKey, exchange: Exchange, keyed: tuple[str, str, str | None, bytes | None]
    ) -> tuple[Path, Recording] | None:
        """Our own recording in the test's directory or a shared one, then the native recordings of
        the test's extra cassettes, else a llama-stack one."""
        recording = self.store.read(exchange.path)
        if recording is not None:
            return self._checked(key, exchange.path, recording)
        for store, folder in self._shared:
            path = recording_path(folder, key.digest, exchange.occurrence)
            recording = store.read(path)
            if recording is not None:
                return self._checked(key, path, recording)
        for store, scope in self._extra:
            options = dataclasses.replace(self.key_options, scope=scope)
            extra_key = request_key(*keyed, options)
            path = store.path_for(scope, extra_key.digest, exchange.occurrence)
            recording = store.read(path)
            if recording is not None:
                return self._checked(extra_key, path, recording, options)
        indexes = [self.foreign[root] for root in self.config.read_dirs]
        return find(indexes, exchange.endpoint, key.canonical["body"], self.config.scope, self.config.ignore)

    def _checked(
        self, key: RequestKey, path: Path, recording: Recording, options: KeyOptions | None = None
    ) -> tuple[Path, Recording]:
        """The recording found at ``path``, once sure it answers this request: its name may lie."""
        wrong = key_check.refusal(path, recording, key, options or self.key_options)
        if wrong is not None:
            raise wrong
        return path, recording

    def _replaying(self, exchange: Exchange, key: RequestKey, source: Path, recording: Recording) -> Plan:
        mismatches = sdk_check.file_mismatches(source, recording.response, strict=self.config.strict)
        if mismatches:
            (where, problem), more = mismatches[0], len(mismatches) - 1
            if self.config.strict:
                raise RecordingFileError(source, where, f"{problem} (--llm-strict)")
            others = f" (and {more} more payload(s))" if more else ""
            warnings.warn(
                RecordingWarning(f"{source}: {where}: {problem}{others}; replayed as recorded"), stacklevel=2
            )
        response = recording.response
        replay = stream_timing.paced(codec.decode_response(response), response, self.config.stream_timing)
        tokens = payloads.tokens_used(recording.response.body)
        self.ids.learn(recording.id_normalization_mapping)
        with self._lock:
            self.recorder.replayed.append(
                exchange if source == exchange.path else dataclasses.replace(exchange, path=source)
            )
            self.recorder.tokens_replayed += tokens
        self.meter.count(self.recorder.cost, recording.response.body, recording.request.model, live=False)
        return Plan(self, exchange, key, replay=replay)

    def _miss(
        self, exchange: Exchange, key: RequestKey, occurrence: int, vcr_request: VcrRequest | None
    ) -> None:
        with self._lock:
            self.recorder.missed.append(exchange)
        earlier = sum(recording_path(self._folder, key.digest, n).exists() for n in range(1, occurrence))
        candidates = [
            Candidate(
                path,
                rec.request.method,
                rec.request.endpoint,
                normalize_json(rec.request.body, self.config.ignore),
                _problem(key_check.mismatch(path, rec, self.key_options)),
            )
            for path, rec in self.store.scope_recordings(self.config.scope)
        ]
        hint = None
        if self.cassette is not None and vcr_request is not None:
            candidates += self.cassette.candidates(vcr_request)
            hint = f"pytest --record-mode=new_episodes {shlex.quote(self.nodeid)}"
        raise RecordingMissError(
            explain_miss(
                self.recorder, self.nodeid, key, occurrence, earlier, candidates, self.store.scrubber, hint
            )
        )

    def taken(self, take: Take, body: bytes) -> None:
        """A live response is whole: count what it spent, and keep it for writing at teardown."""
        plan = take.plan
        endpoint = plan.exchange.endpoint
        if plan.request is None:  # live mode: measured, never stored
            with contextlib.suppress(ValueError):  # an encoding we cannot read: no count
                response = codec.encode_response(take.status, take.headers, body, endpoint)
                with self._lock:
                    self.recorder.tokens_live += payloads.tokens_used(response.body)
                self.meter.count(self.recorder.cost, response.body, _model_of(plan.key), live=True)
            return
        if take.status < 200 or 300 <= take.status < 400:
            self._unrecordable(take)
            return
        status, headers = take.status, take.headers
        if self.cassette is not None:
            hooked = self.cassette.recorded_response(status, headers, body)
            if hooked is None:  # before_record_response dropped it: VCR.py records nothing either
                with self._lock:
                    self._unfinished.discard(plan.exchange)
                return
            status, headers, body = hooked
            if plan.vcr_request is not None:
                self.cassette.note(
                    plan.vcr_request, codec.ReplayResponse(status, headers, [body]), played=False
                )
        normalize = None if take.rewritten else (lambda value: take.ids.normalize(value, endpoint))
        response = codec.encode_response(status, headers, body, endpoint, normalize)
        if take.clock is not None and response.is_streaming:
            measured = pace.offsets(take.clock, body, response.format == codec.SSE, len(response.body))
            wait = pace.first_byte(take.clock) if measured is not None else None
            response = dataclasses.replace(response, offsets_ms=measured, first_byte_ms=wait)
        recording = Recording(
            scope=self.config.scope,
            request=plan.request,
            response=response,
            id_normalization_mapping=dict(take.ids.pairs),
        )
        if self.stamp:
            origin = provenance.stamp(sdk_check.sdk_of(response.body), assemble(recording).model)
            recording = dataclasses.replace(recording, provenance=origin)
        tokens = payloads.tokens_used(response.body)
        with self._lock:
            self.recorder.tokens_live += tokens
            self._unfinished.discard(plan.exchange)
            self._pending.append((plan.exchange.path, recording))
            self.recorder.recorded.append(plan.exchange)
        self.meter.count(self.recorder.cost, response.body, plan.request.model, live=True)

    def _unrecordable(self, take: Take) -> None:
        """A 1xx or 3xx answer: the reader refuses such a file, as replay cannot follow it. Not recorded,
        and its place in the sequence of identical requests goes to the next one."""
        exchange = take.plan.exchange
        kind = "an interim response" if take.status < 200 else "a redirect"
        with self._lock:
            self._unfinished.discard(exchange)
            self._calls[take.plan.key.digest] -= 1
        warnings.warn(
            RecordingWarning(
                f"{exchange.method} {exchange.url}: not recorded: the answer was {take.status}, {kind}, "
                "which a recording cannot replay; let the client follow redirects, or call the final URL"
            ),
            stacklevel=2,
        )

    def failed(self, plan: Plan) -> None:
        """The live request got no response: see ``Plan.failed``."""
        with self._lock:
            self._unfinished.discard(plan.exchange)
            self.recorder.failed.append(plan.exchange)
            self._calls[plan.key.digest] -= 1

    # -- at teardown ------------------------------------------------------------------------------

    def close(self, passed: bool) -> None:
        """Write what was recorded, unless the test failed and its recordings are not to be saved.

        ``rewrite`` replaces files, the other modes never clobber one (see ``keeping.write``).
        """
        with self._lock:  # a response still streaming in another thread is left out, not half-taken
            pending, self._pending = self._pending, []
            unfinished, self._unfinished = sorted(self._unfinished, key=str), set()
        if self.config.mode.records:
            self.store.tidy(self._folder)
        if not (passed or self.config.record_on_failure):
            self.recorder.discarded += [path for path, _ in pending]
            return
        refused = keeping.write(
            self.store,
            pending,
            self.recorder,
            overwrite=self.config.mode is Mode.REWRITE,
            key_options=key_check.key_options_document(self.key_options),
            refreshed=self.refreshed,
            changes=self.changes,
            nodeid=self.nodeid,
        )
        keeping.warn_unfinished(unfinished, self.nodeid)
        if refused:
            raise refused[0]


def _problem(error: RecordingFileError | None) -> str:
    return f"{error.field}: {error.problem}" if error is not None else ""


def _model_of(key: RequestKey) -> str | None:
    body = key.canonical.get("body")
    model = body.get("model") if isinstance(body, Mapping) else None
    return model if isinstance(model, str) else None
