"""A real HTTP/1.1 server on 127.0.0.1 in a daemon thread: the base of the provider servers the tests drive.

Why real sockets: pytest-llmrec records at the HTTP layer, so record-mode tests must exercise genuine
keep-alive connections, hand-written chunked streams and error statuses through the providers' own SDKs
rather than a mocked transport. Each provider module (``llm_server``, ``anthropic_server``,
``ollama_server``) subclasses ``LoopbackHandler`` with its routes and ``LoopbackServer`` with its base URL.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

Json = dict[str, Any]


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it, so tests can assert on what was really sent."""

    method: str
    path: str  # including the query string
    headers: dict[str, str]  # lower-case names
    body: bytes
    json: Any = None  # the parsed body, or None when empty or not JSON


def compact(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


class LoopbackHandler(BaseHTTPRequestHandler):
    """Reads and records each request, then hands it to ``route``; helpers write JSON and chunked bodies."""

    protocol_version = "HTTP/1.1"  # keep-alive, as the SDKs reuse connections
    disable_nagle_algorithm = True  # each stream event must leave at once, not wait for an ACK
    server: _HTTPServer

    @property
    def owner(self) -> LoopbackServer:
        return self.server.owner

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: access logs would only clutter pytest output."""

    def _dispatch(self) -> None:
        try:
            self._handle()
        except (BrokenPipeError, ConnectionResetError):  # the client went away mid-response
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch

    def _handle(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))  # the SDKs never chunk bodies
        parsed: Any = None
        with contextlib.suppress(ValueError):
            parsed = json.loads(body) if body else None
        headers = {k.lower(): v for k, v in self.headers.items()}
        request = RecordedRequest(self.command, self.path, headers, body, parsed)
        self.owner._record(request)
        self.route(request)

    def route(self, request: RecordedRequest) -> None:
        raise NotImplementedError

    def start_response(self, status: int, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in {**headers, self.owner.request_id_header: f"req_{uuid.uuid4().hex}"}.items():
            self.send_header(name, value)
        self.end_headers()

    def send_body(
        self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.start_response(
            status, {"Content-Type": content_type, "Content-Length": str(len(data)), **(headers or {})}
        )
        self.wfile.write(data)

    def send_json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        self.send_body(status, compact(obj), "application/json", headers)

    def send_chunks(self, content_type: str, chunks: list[bytes]) -> None:
        """A 200 whose body goes out one HTTP chunk per item, spaced by the server's event_delay, the
        first after its first_event_delay (a model's wait for its first token), the headers at once."""
        self.start_response(
            200, {"Content-Type": content_type, "Cache-Control": "no-cache", "Transfer-Encoding": "chunked"}
        )
        time.sleep(self.owner.first_event_delay)
        for data in chunks:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()
            time.sleep(self.owner.event_delay)
        self.wfile.write(b"0\r\n\r\n")


class _HTTPServer(ThreadingHTTPServer):
    """Tracks open connections so stop() can cut idle keep-alive ones too."""

    daemon_threads = True
    # socketserver's default backlog of 5 drops connections when a test opens 25 at once; real servers queue more.
    request_queue_size = 128

    def __init__(self, owner: LoopbackServer, port: int) -> None:
        self.owner = owner
        self.connections: set[socket.socket] = set()
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", port), owner.handler)

    def track(self, conn: socket.socket, *, add: bool) -> None:
        with self.lock:
            (self.connections.add if add else self.connections.discard)(conn)

    def close_all(self) -> None:
        with self.lock:
            conns = list(self.connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class LoopbackServer:
    """A server on 127.0.0.1 in a daemon thread; a context manager or start()/stop()."""

    handler: ClassVar[type[LoopbackHandler]]
    request_id_header: ClassVar[str] = "x-request-id"
    path_prefix: ClassVar[str] = ""  # what base_url adds after host and port, e.g. "/v1"

    def __init__(self, event_delay: float = 0.01, port: int = 0) -> None:
        self.event_delay = event_delay
        self.first_event_delay = 0.0  # seconds between a stream's headers and its first event
        self.port = port  # 0 picks a free port on start(); reuse a port to "restart" a server
        self.requests: list[RecordedRequest] = []
        self._seen: set[bytes] = set()
        self._lock = threading.Lock()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path_prefix}"

    def start(self) -> Any:
        if self._httpd is not None:
            raise RuntimeError("server is already running")
        httpd = self._httpd = _HTTPServer(self, self.port)
        self.port = httpd.server_address[1]
        # A short poll interval keeps stop() fast: shutdown() waits for the serve loop's next poll.
        self._thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close the listening socket and every open connection: new connections are refused."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        httpd.close_all()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def first_attempt(self, request: bytes) -> bool:
        """True the first time this exact request is seen (drives simulated rate limits)."""
        with self._lock:
            first = request not in self._seen
            self._seen.add(request)
            return first

    def reset(self) -> None:
        """Forget the requests seen so far."""
        with self._lock:
            self.requests.clear()

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def __enter__(self) -> Any:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def serve_forever(server: LoopbackServer, name: str) -> None:
    """Serve in the foreground until Ctrl-C, e.g. to re-record the example suite by hand."""
    with server as running:
        print(f"{name} server on {running.base_url} (Ctrl-C stops it)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
