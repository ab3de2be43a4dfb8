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


@pytest.mark.parametrize("how", ["option", "ini"])
def test_block_network_guards_unmarked_tests_too_but_not_recording_ones(raw, openai_server, how):
    if how == "ini":
        raw.pytester.makeini("[pytest]\nllm_block_network = true\n")
        result = raw.run()
    else:
        result = raw.run("--llm-block-network")

    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines(
        [
            "LiveConnectionBlockedError: pytest-llmrec: test_raw.py::test_unmarked runs with --llm-block-network, "
            f"but something tried to connect to 127.0.0.1:{openai_server.port}, which no recording answers*"
            "Allow the host with --llm-allow-hosts=127.0.0.1 (ini llm_allow_hosts), or mark the test "
            "llm_recording to record and replay its traffic.",
            "FAILED test_raw.py::test_replaying - LiveConnectionBlockedError*",
            "FAILED test_raw.py::test_unmarked - LiveConnectionBlockedError*",
        ]
    )
    assert len(openai_server.requests) == 1  # the recording test's only


def test_block_network_lets_listed_hosts_through(raw, openai_server):
    result = raw.run("--llm-block-network", "--llm-allow-hosts=127.0.0.1")
    result.assert_outcomes(passed=4)
    assert len(openai_server.requests) == 3


# A closed socket raises the connect audit event (which the count sees) and then fails with EBADF:
# no packet leaves the machine. 192.0.2.1 and 2001:db8::1 are documentation addresses (RFC 5737, 3849).
UNRECORDED = textwrap.dedent(
    """
    import socket
    import pytest

    def try_to_reach(family, address):
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.close()
        with pytest.raises(OSError):
            sock.connect(address)

    def test_v4():
        try_to_reach(socket.AF_INET, ("192.0.2.1", 443))

    def test_v6():
        try_to_reach(socket.AF_INET6, ("2001:db8::1", 443))

    def test_twice():
        try_to_reach(socket.AF_INET, ("192.0.2.1", 443))
        try_to_reach(socket.AF_INET, ("192.0.2.2", 80))

    def test_loopback_is_not_the_network():
        try_to_reach(socket.AF_INET, ("127.0.0.1", 9))
        try_to_reach(socket.AF_INET6, ("::1", 9))
        try_to_reach(socket.AF_INET, ("localhost", 9))

    def test_local_sockets():
        left, right = socket.socketpair()
        left.sendall(b"ok")
        assert right.recv(2) == b"ok"
    """
)


def test_the_summary_counts_unrecorded_tests_that_reached_past_loopback(inner):
    inner.pytester.makepyfile(test_unrecorded=UNRECORDED)

    result = inner.run()

    result.assert_outcomes(passed=5)
    assert [line for line in result.outlines if line.startswith("llmrec:")] == [
        "llmrec: 3 test(s) tried to reach the network without a recording: test_unrecorded.py::test_v4, "
        "test_unrecorded.py::test_v6, test_unrecorded.py::test_twice (--llm-block-network stops them)"
    ]


def test_the_count_adds_up_across_xdist_workers(inner):
    inner.pytester.makepyfile(test_unrecorded=UNRECORDED)

    result = inner.run("-n", "2")

    result.assert_outcomes(passed=5)
    (line,) = [line for line in result.outlines if line.startswith("llmrec:")]
    listed = line.removeprefix("llmrec: 3 test(s) tried to reach the network without a recording: ")
    listed = listed.removesuffix(" (--llm-block-network stops them)")
    assert sorted(listed.split(", ")) == [
        f"test_unrecorded.py::test_{name}" for name in ("twice", "v4", "v6")
    ]
