"""pytest-recording's options under pytest-llmrec: record modes, their precedence, network blocking.

A cassette VCR.py recorded holds one answer ("a"); the inner test asks "a" then "b". What each
mode does is read from the outcome, the requests the loopback server saw and the files on disk.
"""

from __future__ import annotations

import pytest

from e2e.dropin_suite import SKIP_IF_PYTEST_RECORDING, DropinSuite, ask, record
from fakes.inner_suite import InnerSuite
from fakes.llm_server import OpenAICompatibleServer

pytestmark = SKIP_IF_PYTEST_RECORDING

ASKS = """
@pytest.mark.vcr
def test_ab():
    assert ask("a") == "Echo: a"
    assert ask("b") == "Echo: b"
"""


@pytest.fixture
def live(inner: InnerSuite) -> DropinSuite:
    return DropinSuite.of(inner, sockets=True)


@pytest.fixture
def cassette(live: DropinSuite, openai_server: OpenAICompatibleServer) -> DropinSuite:
    """``cassettes/test_ab/test_ab.yaml`` answering "a", and the inner test asking "a" and "b"."""
    record(live.cassette("test_ab", "test_ab.yaml"), lambda: ask(openai_server, "a"))
    live.module("test_ab", ASKS)
    openai_server.reset()
    return live


def sent(server: OpenAICompatibleServer) -> list[str]:
    return [str((r.json or {})["messages"][0]["content"]) for r in server.requests]


@pytest.mark.parametrize(
    ("option", "passed", "live_asks", "natives", "cassette_kept"),
    [
        ("--record-mode=none", False, [], 0, True),
        ("--record-mode=once", False, [], 0, True),  # the cassette exists: VCR.py would not record
        ("--record-mode=new_episodes", True, ["b"], 1, True),
        ("--record-mode=all", True, ["a", "b"], 2, False),  # VCR.py's all replaces the cassette's content
        ("--record-mode=rewrite", True, ["a", "b"], 2, False),
        ("--vcr-record=new_episodes", True, ["b"], 1, True),  # pytest-vcr's spelling
    ],
)
def test_record_modes_with_a_cassette(
    cassette: DropinSuite,
    openai_server: OpenAICompatibleServer,
    option: str,
    passed: bool,
    live_asks: list[str],
    natives: int,
    cassette_kept: bool,
) -> None:
    result = cassette.run(option)
    result.assert_outcomes(passed=int(passed), failed=int(not passed))
    if not passed:
        result.stdout.fnmatch_lines(["*no recording matches this request (mode 'replay')*"])
    assert sent(openai_server) == live_asks
    assert len(cassette.natives("test_ab", "test_ab")) == natives
    assert cassette.cassette("test_ab", "test_ab.yaml").is_file() is cassette_kept


def test_once_records_a_test_without_recordings_then_replays_it(
    live: DropinSuite, openai_server: OpenAICompatibleServer
) -> None:
    live.module("test_ab", ASKS)
    live.run("--record-mode=once").assert_outcomes(passed=1)
    assert sent(openai_server) == ["a", "b"]
    assert len(live.natives("test_ab", "test_ab")) == 2

    openai_server.reset()
    live.module("test_ab", ASKS + '\n    assert ask("c")\n')  # once recorded, the test replays only
    result = live.run("--record-mode=once")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*no recording matches this request (mode 'replay')*"])
    assert sent(openai_server) == []


@pytest.mark.parametrize("where", ["marker", "vcr_config"])
def test_record_mode_in_the_marker_or_vcr_config_beats_the_command_line(
    cassette: DropinSuite, openai_server: OpenAICompatibleServer, where: str
) -> None:
    if where == "marker":
        cassette.module("test_ab", ASKS.replace("@pytest.mark.vcr", "@pytest.mark.vcr(record_mode='none')"))
    else:
        cassette.pytester.makeconftest(
            "import pytest\n\n@pytest.fixture\ndef vcr_config():\n    return {'record_mode': 'none'}\n"
        )
    result = cassette.run("--record-mode=new_episodes")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*no recording matches this request (mode 'replay')*"])
    assert sent(openai_server) == []


def test_llm_record_beats_the_marker_vcr_config_and_record_mode(
    cassette: DropinSuite, openai_server: OpenAICompatibleServer
) -> None:
    cassette.module("test_ab", ASKS.replace("@pytest.mark.vcr", "@pytest.mark.vcr(record_mode='none')"))
    cassette.pytester.makeconftest(
        "import pytest\n\n@pytest.fixture\ndef vcr_config():\n    return {'record_mode': 'none'}\n"
    )
    cassette.run("--record-mode=none", "--llm-record=record-missing").assert_outcomes(passed=1)
    assert sent(openai_server) == ["b"]  # "a" still comes from the cassette
    assert len(cassette.natives("test_ab", "test_ab")) == 1


def test_an_unknown_record_mode_in_the_marker_is_a_usage_error(live: DropinSuite) -> None:
    live.module("test_bad", "\n@pytest.mark.vcr(record_mode='new_episode')\ndef test_bad():\n    pass\n")
    result = live.run()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*test_bad.py::test_bad: unknown record_mode 'new_episode'; valid: once, new_episodes, none, all, "
            "rewrite (did you mean 'new_episodes'?)*"
        ]
    )


BLOCKING = """
def connect():
    socket.create_connection(("127.0.0.1", PORT), timeout=5).close()

@pytest.mark.vcr
def test_ab_replays():
    assert ask("a") == "Echo: a"
    connect()

def test_unmarked():
    connect()

@pytest.mark.block_network
def test_marked_block_network():
    connect()

@pytest.mark.vcr(record_mode="once")
def test_records():
    assert ask("recorded") == "Echo: recorded"
    connect()
"""


def test_block_network_refuses_replaying_and_unmarked_tests_but_not_recording_ones(
    cassette: DropinSuite, openai_server: OpenAICompatibleServer
) -> None:
    record(cassette.cassette("test_net", "test_ab_replays.yaml"), lambda: ask(openai_server, "a"))
    cassette.module("test_net", BLOCKING)
    result = cassette.run("--block-network", "-k", "test_net")
    result.assert_outcomes(passed=1, failed=3)
    result.stdout.fnmatch_lines(["*FAILED test_net.py::test_ab_replays - *LiveConnectionBlockedError*"])
    result.stdout.fnmatch_lines(["*FAILED test_net.py::test_unmarked - *LiveConnectionBlockedError*"])
    result.stdout.fnmatch_lines(
        ["*FAILED test_net.py::test_marked_block_network - *LiveConnectionBlockedError*"]
    )
    assert len(cassette.natives("test_net", "test_records")) == 1

    unblocked = cassette.run("-k", "test_net")  # without the option only the marker blocks
    unblocked.assert_outcomes(passed=3, failed=1)
    unblocked.stdout.fnmatch_lines(
        ["*FAILED test_net.py::test_marked_block_network - *LiveConnectionBlockedError*"]
    )


@pytest.mark.parametrize(
    "hosts", [["--allowed-hosts=127.0.0.1"], ["--allowed-hosts=localhost,127.0.0.1"], ["marker"]]
)
def test_allowed_hosts_let_blocked_tests_through(cassette: DropinSuite, hosts: list[str]) -> None:
    source = BLOCKING.split("@pytest.mark.vcr(record_mode")[0].replace("def test_ab_replays", "def test_x")
    if hosts == ["marker"]:
        source = source.replace(
            "@pytest.mark.block_network", "@pytest.mark.block_network(allowed_hosts=['127.0.0.1'])"
        )
        cassette.module("test_net", source)
        result = cassette.run("--block-network", "-k", "marked_block_network")
        result.assert_outcomes(passed=1)
        return
    cassette.module("test_net", source.replace("@pytest.mark.vcr\n", ""))
    cassette.run("--block-network", *hosts, "-k", "test_net").assert_outcomes(passed=3)


@pytest.mark.parametrize("flag", ["--disable-recording", "--disable-vcr"])
def test_disable_recording_runs_vcr_tests_as_if_unmarked(
    cassette: DropinSuite, openai_server: OpenAICompatibleServer, flag: str
) -> None:
    cassette.module("test_ab", ASKS.replace("def test_ab():", "def test_ab(vcr):\n    assert vcr is None"))
    cassette.run(flag, "--record-mode=none").assert_outcomes(passed=1)
    assert sent(openai_server) == ["a", "b"]  # live, the cassette unused
    assert cassette.natives("test_ab", "test_ab") == []
