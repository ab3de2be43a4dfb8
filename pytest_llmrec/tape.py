"""One test's recordings: decide per request whether to replay, record or pass through.

``LLMCassette`` subclasses VCR.py's ``Cassette`` so VCR's stubs for requests,
urllib3, aiohttp and friends drive it unchanged, but it never loads a whole
cassette or scans interactions: each request's key names the one file to open.
New recordings are kept in memory and written when the test ends (``flush``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import importlib.util
import threading
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any

import orjson
from vcr.cassette import Cassette
from vcr.matchers import method as method_matcher
from vcr.matchers import path as path_matcher
from vcr.record_mode import RecordMode

from pytest_llmrec.config import Mode, RecordingConfig
from pytest_llmrec.errors import RecordingMissError, RecordingWarning
from pytest_llmrec.ids import IdMap, ResponseIds
from pytest_llmrec.llama_stack import index as foreign
from pytest_llmrec.llama_stack.index import ForeignIndexes
from pytest_llmrec.matching import (
    KeyOptions,
    RequestKey,
    body_hash_matcher,
    public_url,
    request_key,
    split_url,
)
from pytest_llmrec.misses import Candidate, explain_miss
from pytest_llmrec.normalize import content_type_of, normalize_body
from pytest_llmrec.recorder import Exchange, LLMRecorder
from pytest_llmrec.storage import codec, payloads
from pytest_llmrec.storage.recording import Recording, StoredRequest, request_body_for_storage
from pytest_llmrec.storage.scrub import Scrubber, SecretInRecordingError
from pytest_llmrec.storage.store import Store

_PLAN_ATTRIBUTE = "_llmrec_plan"


@dataclass(frozen=True)
class Plan:
    """The decision for one request: the recording that answers it, or whether to record it live."""

    exchange: Exchange
    key: RequestKey
    request: StoredRequest | None  # set when the live response is to be recorded
    replay: Recording | None

    @property
    def record(self) -> bool:
        return self.request is not None


class LLMCassette(Cassette):  # type: ignore[misc]
    def __init__(
        self,
        config: RecordingConfig,
        nodeid: str,
        refreshed: set[Path] | None = None,
        foreign: ForeignIndexes | None = None,
    ) -> None:
        """``refreshed``: files already rewritten in this run, which ``rewrite`` replays instead of
        fetching again, so tests sharing a scope re-record each request once. ``foreign``: the run's
        indexes of llama-stack recordings."""
        self.config = config
        self.refreshed = refreshed if refreshed is not None else set()
        self.foreign = foreign if foreign is not None else ForeignIndexes()
        self.nodeid = nodeid
        self.store = Store(config.recordings_dir, Scrubber(config.scrub_env_vars, config.scrub))
        self.read_stores = [self.store, *(Store(root) for root in config.shared_dirs)]
        self.key_options = KeyOptions(
            scope=config.scope,
            ignore=config.ignore,
            match_host=config.match_host,
        )
        self.recorder = LLMRecorder(config)
        self.ids = IdMap()
        self._calls: Counter[str] = Counter()
        self._pending: list[tuple[Path, Recording]] = []
        self._unfinished: set[Exchange] = set()  # planned for recording, response not complete yet
        self._lock = threading.Lock()
        super().__init__(
            path=str(self.store.scope_dir(config.scope)),
            record_mode=RecordMode.NEW_EPISODES,
            match_on=(method_matcher, path_matcher, body_hash_matcher(self.key_options)),
            skip_patchers=absent_clients(),
        )

    # -- the decision -------------------------------------------------------------------------

    def plan(self, method: str, url: str, headers: Mapping[str, Any], body: bytes | None) -> Plan:
        """Replay, record or pass through; raises RecordingMissError when replay has nothing."""
        key = request_key(method, url, headers, body, self.key_options)
        with self._lock:
            self._calls[key.digest] += 1
            occurrence = self._calls[key.digest]
        path = self.store.path_for(self.config.scope, key.digest, occurrence)
        exchange = Exchange(method.upper(), url, key.digest, path, occurrence)
        mode = self.config.mode
        fresh_enough = not mode.goes_live_on_hit or (mode is Mode.REWRITE and path in self.refreshed)
        found = self._find(key, occurrence, url, headers, body) if fresh_enough else None
        if found is not None:
            source, recording = found
            self.ids.learn(recording.id_normalization_mapping)
            self.recorder.replayed.append(dataclasses.replace(exchange, path=source))
            self.recorder.tokens_replayed += payloads.tokens_used(recording.response.body)
            return Plan(exchange, key, None, recording)
        if mode is Mode.REPLAY:
            self.recorder.missed.append(exchange)
            earlier = sum(
                self.store.path_for(self.config.scope, key.digest, n).exists() for n in range(1, occurrence)
            )
            candidates = self._candidates()
            raise RecordingMissError(
                explain_miss(self.recorder, self.nodeid, key, occurrence, earlier, candidates)
            )
        self.recorder.sent.append(exchange)
        if not mode.records:
            return Plan(exchange, key, None, None)
        stored_request = StoredRequest(
            method=method.upper(),
            url=public_url(url),
            body=request_body_for_storage(body, content_type_of(headers)),
            endpoint=split_url(url)[1],
            model=_model_of(key),
        )
        with self._lock:
            self._unfinished.add(exchange)
        return Plan(exchange, key, stored_request, None)

    def _find(
        self, key: RequestKey, occurrence: int, url: str, headers: Mapping[str, Any], body: bytes | None
    ) -> tuple[Path, Recording] | None:
        """Our own recording in the test's directory or a shared one, else a llama-stack one."""
        for store in self.read_stores:
            path = store.path_for(self.config.scope, key.digest, occurrence)
            recording = store.read(path)
            if recording is not None:
                return path, recording
        indexes = [self.foreign[root] for root in self.config.read_dirs]
        wire = split_url(url)[1]
        return foreign.find(
            indexes, wire, body, content_type_of(headers), self.config.scope, self.config.ignore
        )

    def _candidates(self) -> list[Candidate]:
        """The scope's own recordings, their bodies normalised as keys see them (only read on a miss)."""
        candidates = []
        for path, recording in self.store.scope_recordings(self.config.scope):
            request = recording.request
            raw = orjson.dumps(request.body) if request.body is not None else None
            body = normalize_body(raw, "application/json", self.config.ignore)
            candidates.append(Candidate(path, request.method, request.endpoint, body))
        return candidates

    def record(
        self,
        plan: Plan,
        status: int,
        headers: Iterable[tuple[str, str]],
        body: bytes,
        normalized_by: ResponseIds | None = None,
    ) -> None:
        """Count the tokens a live response spent, and keep it for writing when the test ends.

        ``normalized_by``: what already made the body's ids stable on its way to the client (see
        ids.py); without it, the body is normalised here.
        """
        endpoint = plan.exchange.endpoint
        if plan.request is None:  # live mode: measured, never stored
            with contextlib.suppress(ValueError):  # an encoding we cannot read: no count
                response = codec.encode_response(status, headers, body, endpoint)
                self.recorder.tokens_live += payloads.tokens_used(response.body)
            return
        ids = normalized_by or self.ids.response(plan.key.digest, plan.exchange.occurrence)
        normalize = None if normalized_by else (lambda value: ids.normalize(value, endpoint))
        response = codec.encode_response(status, headers, body, endpoint, normalize)
        self.recorder.tokens_live += payloads.tokens_used(response.body)
        recording = Recording(
            scope=self.config.scope,
            request=plan.request,
            response=response,
            id_normalization_mapping=dict(ids.pairs),
        )
        with self._lock:
            self._unfinished.discard(plan.exchange)
            self._pending.append((plan.exchange.path, recording))
            self.recorder.recorded.append(plan.exchange)

    def failed(self, plan: Plan) -> None:
        """The live request got no response (connection refused, timeout): nothing to record, and
        its place in the sequence of identical requests goes to the retry that may follow."""
        with self._lock:
            self._unfinished.discard(plan.exchange)
            self.recorder.failed.append(plan.exchange)
            self._calls[plan.key.digest] -= 1

    def discard(self) -> None:
        """Drop what was recorded: the test failed and its recordings are not to be saved."""
        self.recorder.discarded += [path for path, _ in self._pending]
        self._pending.clear()
        self._unfinished.clear()

    def flush(self) -> None:
        """Write what was recorded: ``rewrite`` replaces files, the other modes never clobber one.

        A recording refused for holding a secret does not stop the others; the first refusal is
        raised once all are written.
        """
        overwrite = self.config.mode is Mode.REWRITE
        refused: list[SecretInRecordingError] = []
        for path, recording in self._pending:
            try:
                written = self.store.write(path, recording, overwrite=overwrite)
            except SecretInRecordingError as error:
                refused.append(error)
                continue
            (self.recorder.written if written else self.recorder.kept).append(path)
            self.refreshed.add(path)
        self._pending.clear()
        for exchange in self._unfinished:
            warnings.warn(
                RecordingWarning(
                    f"{exchange.method} {exchange.url}: the response was not read to the end before "
                    f"{self.nodeid} finished, so it was not recorded"
                ),
                stacklevel=2,
            )
        self._unfinished.clear()
        if refused:
            raise refused[0]

    # -- the VCR.py cassette interface its stubs call (requests, urllib3, aiohttp, ...) ----------

    def _plan_for(self, vcr_request: Any) -> Plan:
        body = _body_bytes(vcr_request)
        cached = getattr(vcr_request, _PLAN_ATTRIBUTE, None)
        if cached is not None and cached[0] == body:
            return cached[1]  # type: ignore[no-any-return]
        plan = self.plan(vcr_request.method, vcr_request.uri, vcr_request.headers, body)
        setattr(vcr_request, _PLAN_ATTRIBUTE, (body, plan))
        return plan

    @property
    def write_protected(self) -> bool:
        return False  # replay misses are raised by plan() with a full explanation instead

    def can_play_response_for(self, request: Any) -> bool:
        return self._plan_for(request).replay is not None

    def play_response(self, request: Any) -> dict[str, Any]:
        recording = self._plan_for(request).replay
        assert recording is not None, "play_response called for a request that has no recording"
        replay = codec.decode_response(recording.response)
        headers: dict[str, list[str]] = {}
        for name, value in replay.headers:
            headers.setdefault(name, []).append(value)
        return {
            "status": {"code": replay.status, "message": _reason(replay.status)},
            "headers": headers,
            "body": {"string": replay.content},
        }

    def append(self, request: Any, response: dict[str, Any]) -> None:
        headers = [(name, value) for name, values in response["headers"].items() for value in values]
        body = response["body"]["string"]
        self.record(self._plan_for(request), response["status"]["code"], headers, body or b"")

    def _load(self) -> None:
        """Nothing to load up front: recordings are opened one by one as requests ask for them."""

    def _save(self, force: bool = False) -> None:
        self.flush()


# The module each of VCR.py's patcher groups imports (httplib is always there).
CLIENT_MODULES = {
    "requests": "requests",
    "boto3": "botocore",
    "urllib3": "urllib3",
    "httplib2": "httplib2",
    "tornado": "tornado",
    "aiohttp": "aiohttp",
    "httpx": "httpx",
    "httpx2": "httpx2",
}


@functools.cache
def absent_clients() -> tuple[str, ...]:
    """Patcher groups whose client is not installed: VCR.py would retry their failing imports, and
    search sys.path, on every test."""
    return tuple(name for name, module in CLIENT_MODULES.items() if importlib.util.find_spec(module) is None)


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


def _model_of(key: RequestKey) -> str | None:
    body = key.canonical.get("body")
    model = body.get("model") if isinstance(body, dict) else None
    return model if isinstance(model, str) else None
