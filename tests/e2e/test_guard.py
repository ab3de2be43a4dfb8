"""In replay mode no socket connects: clients VCR.py does not patch are stopped, naming the address."""

from __future__ import annotations

import textwrap

import pytest

RAW_CLIENT = textwrap.dedent(
    '''
    import os, socket, urllib.parse
    import pytest

    PORT = urllib.parse.urlsplit(os.environ["LLMREC_TEST_BASE_URL"]).port

    def fetch_models():
        """A client VCR.py knows nothing of: HTTP by hand over a socket."""
        with socket.create_connection(("127.0.0.1", PORT), timeout=5) as sock:
            sock.sendall(b"GET /v1/models HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n")
            return sock.recv(100)

    @pytest.mark.llm_recording
    def test_replaying():
        assert fetch_models().startswith(b"HTTP/1.1 200")

    @pytest.mark.llm_recording(mode="record-missing")
    def test_recording():
        assert fetch_models().startswith(b"HTTP/1.1 200")

    def test_unmarked():
        assert fetch_models().startswith(b"HTTP/1.1 200")

    @pytest.mark.llm_recording
    def test_local_sockets_are_not_the_network():
        left, right = socket.socketpair()
        left.sendall(b"ok")
        assert right.recv(2) == b"ok"
    '''
)


@pytest.fixture
def raw(inner):
    inner.pytester.makepyfile(test_raw=RAW_CLIENT)
    return inner


def test_replay_refuses_connections_and_names_the_address(raw, openai_server):
    result = raw.run()

    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(
        [
            "LiveConnectionBlockedError: pytest-llmrec: test_raw.py::test_replaying is replaying, but something "
            f"tried to connect to 127.0.0.1:{openai_server.port}, which no recording answers*"
            "Allow the host with --llm-allow-hosts=127.0.0.1 (ini llm_allow_hosts)*",
            "*made at:*test_raw.py:*socket.create_connection*",
            "FAILED test_raw.py::test_replaying - LiveConnectionBlockedError*",
        ]
    )
    assert len(openai_server.requests) == 2  # the recording and the unmarked test only


@pytest.mark.parametrize("how", ["option", "ini"])
def test_listed_hosts_may_be_reached(raw, openai_server, how):
    if how == "ini":
        raw.pytester.makeini("[pytest]\nllm_allow_hosts = localhost\n")
        result = raw.run()
    else:
        result = raw.run("--llm-allow-hosts=example.invalid,127.0.0.1")
    result.assert_outcomes(passed=4)
    assert len(openai_server.requests) == 3
