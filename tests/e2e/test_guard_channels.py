"""Every way a replaying test could reach a server is refused: the server counts what it received.

Each inner test reaches a counting loopback server through one channel (the ``socket`` module,
``_socket``, threads, asyncio, child processes, ctypes...). None of them may deliver a byte, and
each must fail naming the address, even when the error is raised in a thread or a child process.
"""

from __future__ import annotations

import shutil
import socket
import textwrap
import threading
from collections.abc import Iterator

import pytest

from fakes.inner_suite import InnerSuite
from pytest_llmrec.intercept import children

CHANNELS = textwrap.dedent(
    '''
    import asyncio, ctypes, http.client, multiprocessing, os, socket, struct, subprocess, sys
    import threading, time, urllib.request
    import _socket
    import pytest

    TCP = int(os.environ["LLMREC_GUARD_TCP"])
    UDP = int(os.environ["LLMREC_GUARD_UDP"])
    ADDRESS = ("127.0.0.1", TCP)
    SAVED_CONNECT = socket.socket.connect  # a reference taken at import, before any guard
    pytestmark = pytest.mark.llm_recording

    def hello(sock):
        sock.sendall(b"GET / HTTP/1.0\\r\\n\\r\\n")

    def connect_and_send():
        with socket.create_connection(ADDRESS, timeout=5) as sock:
            hello(sock)

    @pytest.fixture(scope="session")
    def earlier_socket():
        """Connected before any test starts, as a session fixture's client would be."""
        sock = socket.create_connection(ADDRESS, timeout=5)
        yield sock
        sock.close()

    @pytest.fixture
    def joined_at_teardown():
        threads = []
        yield threads
        for thread in threads:
            thread.join(10)

    def test_socket_module():
        with socket.socket() as sock:
            sock.connect(ADDRESS)
            hello(sock)

    def test_underscore_socket():
        sock = _socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.connect(ADDRESS)
            sock.send(b"GET / HTTP/1.0\\r\\n\\r\\n")
        finally:
            sock.close()

    def test_saved_connect():
        with socket.socket() as sock:
            SAVED_CONNECT(sock, ADDRESS)
            hello(sock)

    def test_connect_ex():
        with socket.socket() as sock:
            assert sock.connect_ex(ADDRESS) == 0
            hello(sock)

    def test_udp_sendto():
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.sendto(b"datagram", ("127.0.0.1", UDP))

    def test_tcp_fast_open():
        with socket.socket() as sock:
            sock.sendto(b"GET / HTTP/1.0\\r\\n\\r\\n", socket.MSG_FASTOPEN, ADDRESS)

    def test_asyncio_sock_connect():
        async def main():
            sock = socket.socket()
            sock.setblocking(False)
            with sock:
                await asyncio.get_running_loop().sock_connect(sock, ADDRESS)
                await asyncio.get_running_loop().sock_sendall(sock, b"GET / HTTP/1.0\\r\\n\\r\\n")
        asyncio.run(main())

    def test_asyncio_open_connection():
        async def main():
            reader, writer = await asyncio.open_connection(*ADDRESS)
            writer.write(b"GET / HTTP/1.0\\r\\n\\r\\n")
            await writer.drain()
            writer.close()
        asyncio.run(main())

    def test_thread():
        thread = threading.Thread(target=connect_and_send)
        thread.start()
        thread.join(10)

    def test_thread_at_teardown(joined_at_teardown):
        def later():
            time.sleep(0.3)  # the test body has returned by now
            connect_and_send()
        thread = threading.Thread(target=later)
        thread.start()
        joined_at_teardown.append(thread)

    def test_socket_opened_before_the_test(earlier_socket):
        hello(earlier_socket)

    def test_multiprocessing_spawn():
        process = multiprocessing.get_context("spawn").Process(target=connect_and_send)
        process.start()
        process.join(60)

    def test_subprocess_curl():
        subprocess.run(["curl", "-sS", "-m", "5", f"http://127.0.0.1:{TCP}/"])

    def test_subprocess_python_urllib():
        code = f"import urllib.request; urllib.request.urlopen('http://127.0.0.1:{TCP}/', timeout=5)"
        subprocess.run([sys.executable, "-c", code], timeout=60)

    def test_subprocess_python_explicit_env():
        code = f"import urllib.request; urllib.request.urlopen('http://127.0.0.1:{TCP}/', timeout=5)"
        subprocess.run([sys.executable, "-c", code], env={"PATH": os.environ["PATH"]}, timeout=60)

    def test_subprocess_python_close_fds_false():
        code = f"import urllib.request; urllib.request.urlopen('http://127.0.0.1:{TCP}/', timeout=5)"
        subprocess.run([sys.executable, "-c", code], close_fds=False, timeout=60)

    def test_grandchild_curl_with_its_own_env():
        curl = ["curl", "-sS", "-m", "5", f"http://127.0.0.1:{TCP}/"]
        code = f"import subprocess; subprocess.run({curl!r}, env={{'PATH': {os.environ['PATH']!r}}})"
        subprocess.run([sys.executable, "-c", code], timeout=60)

    def test_ctypes_connect():
        libc = ctypes.CDLL(None, use_errno=True)
        with socket.socket() as sock:
            address = struct.pack("=HH4s8x", socket.AF_INET, socket.htons(TCP), socket.inet_aton("127.0.0.1"))
            assert libc.connect(sock.fileno(), address, len(address)) == 0
            hello(sock)

    def test_create_connection():
        connect_and_send()

    def test_http_client():
        connection = http.client.HTTPConnection("127.0.0.1", TCP, timeout=5)
        connection.request("GET", "/")
        connection.getresponse().read()

    def test_urllib():
        urllib.request.urlopen(f"http://127.0.0.1:{TCP}/", timeout=5).read()

    def test_caught_and_passed():
        try:
            connect_and_send()
        except BaseException:
            pass
    '''
)

# What each inner test must fail with: the address named, or (for the clients VCR.py patches) the
# miss, which also comes before any socket opens. curl is not Python: it meets the refusing proxy,
# which tells the parent test what it tried to reach.
REFUSED = "tried to connect to 127.0.0.1:{tcp}, which no recording answers"
CAUGHT = "connection(s) were refused, but the test passed (it caught the error, or a thread or child process met it): 127.0.0.1:{tcp}"
EXPECTED = {
    "test_socket_module": REFUSED,
    "test_underscore_socket": REFUSED,
    "test_saved_connect": REFUSED,
    "test_connect_ex": REFUSED,
    "test_udp_sendto": "tried to send to 127.0.0.1:{udp}, which no recording answers",
    "test_tcp_fast_open": "tried to send to 127.0.0.1:{tcp}, which no recording answers",
    "test_asyncio_sock_connect": REFUSED,
    "test_asyncio_open_connection": REFUSED,
    "test_thread": CAUGHT,
    "test_thread_at_teardown": CAUGHT,
    "test_socket_opened_before_the_test": "a socket connected to 127.0.0.1:{tcp} before the test started tried to send on it",
    "test_multiprocessing_spawn": CAUGHT,
    "test_subprocess_curl": CAUGHT,
    "test_subprocess_python_urllib": CAUGHT,
    "test_subprocess_python_explicit_env": CAUGHT,
    "test_subprocess_python_close_fds_false": CAUGHT,
    "test_grandchild_curl_with_its_own_env": CAUGHT,
    "test_ctypes_connect": "looked up the C function connect() through ctypes",
    "test_create_connection": REFUSED,
    "test_http_client": "RecordingMissError",
    "test_urllib": "RecordingMissError",
    "test_caught_and_passed": CAUGHT,
}


class CountingServer:
    """A TCP and a UDP port on 127.0.0.1 that count every connection, request and datagram they get."""

    def __init__(self) -> None:
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.ports = {"tcp": self.tcp.getsockname()[1], "udp": self.udp.getsockname()[1]}
        self.connections = 0
        self.requests = 0  # TCP connections that delivered bytes
        self.datagrams = 0
        self.threads = [threading.Thread(target=self._accept), threading.Thread(target=self._datagrams)]
        self.stopping = False
        self.udp.settimeout(0.1)
        self.tcp.settimeout(0.1)
        for thread in self.threads:
            thread.start()

    def _accept(self) -> None:
        while not self.stopping:
            try:
                conn, _ = self.tcp.accept()
            except TimeoutError:
                continue
            self.connections += 1
            conn.settimeout(0.5)
            with conn:
                try:
                    self.requests += len(conn.recv(4096)) > 0
                    conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")
                except OSError:
                    pass

    def _datagrams(self) -> None:
        while not self.stopping:
            try:
                self.datagrams += len(self.udp.recv(4096)) > 0
            except TimeoutError:
                continue

    def close(self) -> None:
        """Stop after the connections already waiting are counted (again: nothing more to do)."""
        self.stopping = True
        for thread in self.threads:
            thread.join(5)
        self.tcp.close()
        self.udp.close()


@pytest.fixture
def counting() -> Iterator[CountingServer]:
    server = CountingServer()
    yield server
    server.close()


def run_channels(
    inner: InnerSuite, counting: CountingServer, monkeypatch: pytest.MonkeyPatch, *args: str
) -> dict[str, str]:
    """Each inner test that failed, by name, with its first failure's text."""
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    monkeypatch.setenv("LLMREC_GUARD_TCP", str(counting.ports["tcp"]))
    monkeypatch.setenv("LLMREC_GUARD_UDP", str(counting.ports["udp"]))
    inner.pytester.makepyfile(test_channels=CHANNELS)
    reprec = inner.pytester.inline_run(
        "-p", "no:cacheprovider", "-p", "no:asyncio", "-p", "no:randomly", *args
    )
    counting.close()
    failures: dict[str, str] = {}
    for report in reprec.getreports("pytest_runtest_logreport"):
        if report.failed:
            failures.setdefault(report.nodeid.split("::")[-1], report.longreprtext)
    return failures


def test_every_channel_is_refused_and_the_server_gets_nothing(inner, counting, monkeypatch):
    failures = run_channels(inner, counting, monkeypatch)

    unrefused = {
        name: failures.get(name, "passed")
        for name, expected in EXPECTED.items()
        if expected.format(**counting.ports) not in failures.get(name, "")
    }
    assert unrefused == {}
    assert sorted(failures) == sorted(EXPECTED)
    # The session fixture's socket connected before any test, unguarded, and then sent nothing.
    assert (counting.connections, counting.requests, counting.datagrams) == (1, 0, 0)


def test_the_same_channels_reach_the_server_when_the_host_is_allowed(inner, counting, monkeypatch):
    """The control: each channel above is real, and delivers when the guard lets it."""
    failures = run_channels(inner, counting, monkeypatch, "--llm-allow-hosts=127.0.0.1")

    assert {name: text.splitlines()[0] for name, text in failures.items()} == {
        "test_ctypes_connect": "LiveConnectionBlockedError: pytest-llmrec: test_channels.py::test_ctypes_connect is "
        "replaying, but something looked up the C function connect() through ctypes, which would reach the "
        "network past the guard; such lookups are refused while a test is guarded.",
        "test_http_client": "RecordingMissError: pytest-llmrec: GET /: no recording matches this request (mode 'replay').",
        "test_urllib": "RecordingMissError: pytest-llmrec: GET /: no recording matches this request (mode 'replay').",
    }
    # 18 channels over TCP each sent their request (the session fixture's socket once), UDP one
    # datagram; ctypes lookups stay refused whatever hosts are allowed (the address is not known yet).
    assert (counting.connections, counting.requests, counting.datagrams) == (18, 18, 1)


GRPC = textwrap.dedent(
    """
    import os
    import grpc
    import pytest

    @pytest.mark.llm_recording
    def test_grpc():
        channel = grpc.insecure_channel(f"127.0.0.1:{os.environ['LLMREC_GUARD_TCP']}")
        with pytest.raises(grpc.RpcError) as error:  # a client that handles the failure itself
            channel.unary_unary("/llm.Chat/Complete")(b"", timeout=5)
        print("gRPC:", error.value.details())
    """
)


@pytest.mark.parametrize("allowed", [False, True])
def test_grpc_meets_the_refusing_proxy(inner, counting, monkeypatch, allowed):
    """gRPC's C core opens its sockets natively, past the audit hook, but honours the proxy variables."""
    pytest.importorskip("grpc")
    monkeypatch.setenv("LLMREC_GUARD_TCP", str(counting.ports["tcp"]))
    inner.pytester.makepyfile(test_grpc=GRPC)

    result = inner.run("-s", *(["--llm-allow-hosts=127.0.0.1"] if allowed else []))

    counting.close()
    if allowed:  # straight to the server, which answers no HTTP/2: gRPC may connect again before failing
        result.assert_outcomes(passed=1)
        assert counting.connections >= 1
    else:
        result.assert_outcomes(passed=1, errors=1)
        result.stdout.fnmatch_lines(
            [
                f"*gRPC: *ipv4:127.0.0.1:{children.proxy_port()}: HTTP proxy returned response code 403",
                "*test_grpc is replaying, and 1 connection(s) were refused, but the test passed (it caught "
                f"the error, or a thread or child process met it): 127.0.0.1:{counting.ports['tcp']}",
            ]
        )
        assert counting.connections == 0
