"""pytest-recording's surface, served when pytest-recording is not installed: markers, fixtures, warnings.

Each test runs an inner suite written for pytest-recording (see ``dropin_suite``) on cassettes
VCR.py recorded for real, with sockets forbidden unless the test records.
"""

from __future__ import annotations

import pytest
import requests

from e2e.dropin_suite import SKIP_IF_PYTEST_RECORDING, DropinSuite, ask, files, record
from fakes.inner_suite import NO_SOCKETS, InnerSuite
from fakes.llm_server import OpenAICompatibleServer

pytestmark = SKIP_IF_PYTEST_RECORDING


@pytest.fixture
def suite(inner: InnerSuite) -> DropinSuite:
    return DropinSuite.of(inner, sockets=False)


@pytest.fixture
def live(inner: InnerSuite) -> DropinSuite:
    return DropinSuite.of(inner, sockets=True)


def test_markers_are_registered_for_strict_markers(suite: DropinSuite) -> None:
    suite.module(
        "test_marks",
        """
        @pytest.mark.vcr
        @pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
        @pytest.mark.default_cassette("other")
        @pytest.mark.allowed_hosts(["127.0.0.1"])
        def test_marked(vcr):
            assert vcr is not None
        """,
    )
    suite.run("--strict-markers").assert_outcomes(passed=1)
    listed = suite.run("--markers").stdout.str()
    for name in ("vcr(", "block_network(", "default_cassette(", "allowed_hosts("):
        assert f"@pytest.mark.{name}" in listed


@pytest.mark.parametrize("scope", ["function", "module", "session"])
def test_vcr_config_overrides_in_a_conftest_apply_in_any_scope(
    suite: DropinSuite, openai_server: OpenAICompatibleServer, scope: str
) -> None:
    """The conftest's match_on leaves the query out, so only with it does limit=2 find limit=1."""
    record(
        suite.cassette("test_cfg", "test_cfg.yaml"),
        lambda: requests.get(openai_server.base_url + "/models?limit=1"),
    )
    suite.pytester.makeconftest(
        NO_SOCKETS + f"\n@pytest.fixture(scope={scope!r})\ndef vcr_config():\n"
        "    return {'match_on': ['method', 'path']}\n"
    )
    suite.module(
        "test_cfg",
        """
        @pytest.mark.vcr
        def test_cfg(vcr):
            assert requests.get(BASE + "/models?limit=2").status_code == 200
            assert vcr.play_count == 1
        """,
    )
    suite.run("--record-mode=none").assert_outcomes(passed=1)


def test_cassette_name_fixtures_as_users_override_them(
    suite: DropinSuite, openai_server: OpenAICompatibleServer
) -> None:
    """default_cassette_name (pytest-recording), vcr_cassette_name (pytest-vcr) and the
    default_cassette marker name the file that is read."""
    for name in ("by_default_cassette_name", "by_vcr_cassette_name", "by_marker"):
        record(suite.cassette("test_names", f"{name}.yaml"), lambda name=name: ask(openai_server, name))
    suite.module(
        "test_names",
        """
        class TestPytestRecording:
            @pytest.fixture
            def default_cassette_name(self):
                return "by_default_cassette_name"

            @pytest.mark.vcr
            def test_default_cassette_name(self):
                assert ask("by_default_cassette_name") == "Echo: by_default_cassette_name"

        class TestPytestVcr:
            @pytest.fixture
            def vcr_cassette_name(self):
                return "by_vcr_cassette_name"

            @pytest.mark.vcr
            def test_vcr_cassette_name(self):
                assert ask("by_vcr_cassette_name") == "Echo: by_vcr_cassette_name"

        @pytest.mark.vcr
        @pytest.mark.default_cassette("by_marker")
        def test_marker():
            assert ask("by_marker") == "Echo: by_marker"
        """,
    )
    suite.run("--record-mode=none", "--block-network").assert_outcomes(passed=3)


def test_the_record_mode_fixture_as_users_override_it(
    live: DropinSuite, openai_server: OpenAICompatibleServer
) -> None:
    live.pytester.makeconftest(
        "import pytest\n\n@pytest.fixture(scope='session')\ndef record_mode():\n    return 'once'\n"
    )
    live.module("test_rm", "\n@pytest.mark.vcr\ndef test_rm():\n    assert ask('first') == 'Echo: first'\n")
    live.run().assert_outcomes(passed=1)
    assert len(live.natives("test_rm", "test_rm")) == 1
    assert [r.path for r in openai_server.requests] == ["/v1/chat/completions"]


VCR_FIXTURE = """
@pytest.mark.vcr(allow_playback_repeats=True)
def test_ask(vcr):
    assert ask("hello") == "Echo: hello"
    assert vcr.play_count == 1 and vcr.all_played
    assert [(r.method, r.path) for r in vcr.requests] == [("POST", "/v1/chat/completions")]
    assert vcr.responses[0]["status"]["code"] == 200
    assert b"Echo: hello" in body(vcr.responses[0])
    assert len(vcr.data) == 1
    assert b"Echo: hello" in body(vcr.play_response(vcr.requests[0]))

def test_unmarked(vcr):
    assert vcr is None
"""


def test_the_vcr_fixture_after_a_replay_from_a_vcrpy_cassette(
    suite: DropinSuite, openai_server: OpenAICompatibleServer
) -> None:
    record(suite.cassette("test_chat", "test_ask.yaml"), lambda: ask(openai_server, "hello"))
    suite.module("test_chat", VCR_FIXTURE)
    before = files(suite.pytester.path / "cassettes")

    suite.run("--record-mode=none", "--block-network", "--strict-markers").assert_outcomes(passed=2)

    assert files(suite.pytester.path / "cassettes") == before  # read only, nothing written beside it


def test_the_vcr_fixture_after_a_native_replay(
    live: DropinSuite, openai_server: OpenAICompatibleServer
) -> None:
    live.module("test_chat", VCR_FIXTURE.replace("vcr.play_count == 1 and vcr.all_played", "True"))
    live.run("--record-mode=once").assert_outcomes(passed=2)  # recorded natively, no cassette
    assert not live.cassette("test_chat", "test_ask.yaml").exists()
    assert len(live.natives("test_chat", "test_ask")) == 1

    live.forbid_sockets()
    live.module("test_chat", VCR_FIXTURE)
    live.run("--record-mode=none", "--block-network").assert_outcomes(passed=2)


def test_unknown_and_ineffective_vcr_config_keys_warn_once_per_run(suite: DropinSuite) -> None:
    suite.pytester.makeconftest(
        NO_SOCKETS + "\n@pytest.fixture\ndef vcr_config():\n"
        "    return {'filter_header': ['authorization'], 'custom_patches': ()}\n"
    )
    suite.module(
        "test_cfg",
        "\n@pytest.mark.vcr\ndef test_a():\n    pass\n\n@pytest.mark.vcr\ndef test_b():\n    pass\n",
    )
    result = suite.run("--record-mode=none", "-W", "default::pytest_llmrec.errors.RecordingWarning")
    result.assert_outcomes(passed=2)
    out = result.stdout.str()
    assert (
        out.count("unknown vcr_config key 'filter_header' is ignored (did you mean 'filter_headers'?)") == 1
    )
    assert (
        out.count(
            "vcr_config key 'custom_patches' has no effect under pytest-llmrec: pytest-llmrec "
            "intercepts every client VCR.py knows itself"
        )
        == 1
    )


def test_under_filterwarnings_error_an_unknown_key_fails_the_test(suite: DropinSuite) -> None:
    suite.pytester.makeconftest(
        NO_SOCKETS + "\n@pytest.fixture\ndef vcr_config():\n    return {'math_on': []}\n"
    )
    suite.module("test_cfg", "\n@pytest.mark.vcr\ndef test_a():\n    pass\n")
    result = suite.run("-W", "error::pytest_llmrec.errors.RecordingWarning")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*unknown vcr_config key 'math_on' is ignored (did you mean 'match_on'?)*"])


def test_when_pytest_recording_is_loaded_its_names_are_left_to_it(pytester: pytest.Pytester) -> None:
    pytester.syspathinsert()
    pytester.makepyfile(recording="def pytest_configure(config):\n    pass\n")  # stands for pytest-recording
    pytester.makepyfile(test_x="def test_x():\n    pass\n")
    result = pytester.runpytest("-p", "recording", "-p", "no:cacheprovider", "-p", "no:hypothesispytest")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["llmrec: pytest-recording is loaded and handles @pytest.mark.vcr*"])
    assert result.stdout.str().count("pytest-recording is loaded") == 1
    assert "--record-mode" not in pytester.runpytest("-p", "recording", "--help").stdout.str()
