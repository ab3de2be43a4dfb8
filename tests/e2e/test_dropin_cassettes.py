"""VCR.py cassettes replayed by the drop-in as they are: found where pytest-recording looks, matched as
VCR.py matches (in order, ``match_on``, custom matchers), with a miss that shows what they hold.

Every cassette here is recorded by VCR.py itself against the loopback server; the inner runs
replay them with ``--record-mode=none`` and sockets forbidden.
"""

from __future__ import annotations

import hashlib
import json
import textwrap

import pytest
import requests

from e2e.dropin_suite import SKIP_IF_PYTEST_RECORDING, DropinSuite, ask, record
from fakes.inner_suite import NO_SOCKETS, InnerSuite
from fakes.llm_server import OpenAICompatibleServer
from pytest_llmrec.dropin.names import max_filename_length

pytestmark = SKIP_IF_PYTEST_RECORDING


@pytest.fixture
def suite(inner: InnerSuite) -> DropinSuite:
    return DropinSuite.of(inner, sockets=False)


def test_cassette_paths_are_pytest_recordings(
    suite: DropinSuite, openai_server: OpenAICompatibleServer
) -> None:
    """Module folder, class prefix, parametrize ids with forbidden characters replaced, a name past the
    file-name limit shortened with its md5, an extra cassette, and a vcr_cassette_dir override."""
    long_id = "x" * max_filename_length()
    long_name = f"test_long[{long_id}]"
    short = (
        long_name[: max_filename_length() - len(".yaml") - 35]
        + "..."
        + hashlib.md5(long_name.encode()).hexdigest()
    )
    for name, text in [
        ("TestChat.test_in_class", "class"),
        ("test_ids[a-b-c-d]", "a/b:c?d"),
        ("shared", "shared"),
        (short, "long"),
    ]:
        record(suite.cassette("test_paths", f"{name}.yaml"), lambda text=text: ask(openai_server, text))
    record(suite.pytester.path / "elsewhere" / "test_moved.yaml", lambda: ask(openai_server, "moved"))
    suite.module(
        "test_paths",
        f"""
        class TestChat:
            @pytest.mark.vcr
            def test_in_class(self):
                assert ask("class") == "Echo: class"

        @pytest.mark.vcr
        @pytest.mark.parametrize("text", ["a/b:c?d"], ids=["a/b:c?d"])
        def test_ids(text):
            assert ask(text) == "Echo: a/b:c?d"

        @pytest.mark.vcr("shared.yaml")
        def test_extra():
            assert ask("shared") == "Echo: shared"

        @pytest.mark.vcr
        @pytest.mark.parametrize("text", ["long"], ids=[{long_id!r}])
        def test_long(text):
            assert ask(text) == "Echo: long"
        """,
    )
    suite.module(
        "test_moved",
        """
        @pytest.fixture(scope="module")
        def vcr_cassette_dir(request):
            return os.path.join(os.path.dirname(request.node.path), "elsewhere")

        @pytest.mark.vcr
        def test_moved():
            assert ask("moved") == "Echo: moved"
        """,
    )
    suite.run("--record-mode=none", "--block-network").assert_outcomes(passed=5)


def test_serializer_cassette_library_dir_and_path_transformer_from_vcr_config(
    suite: DropinSuite, openai_server: OpenAICompatibleServer
) -> None:
    library = suite.pytester.path / "library"
    record(library / "test_json.json", lambda: ask(openai_server, "json"), serializer="json")
    json.loads((library / "test_json.json").read_text())  # VCR.py's JSON serializer wrote it
    record(library / "test_transformed.cassette.yml", lambda: ask(openai_server, "transformed"))
    suite.pytester.makeconftest(
        NO_SOCKETS
        + textwrap.dedent(
            """
            import os

            @pytest.fixture(scope="module")
            def vcr_config(request):
                return {"cassette_library_dir": os.path.join(os.path.dirname(request.node.path), "library")}
            """
        )
    )
    suite.module(
        "test_cfg",
        """
        @pytest.mark.vcr(serializer="json")
        def test_json():
            assert ask("json") == "Echo: json"

        @pytest.mark.vcr(path_transformer=lambda path: path + ".cassette.yml")
        def test_transformed():
            assert ask("transformed") == "Echo: transformed"
        """,
    )
    suite.run("--record-mode=none", "--block-network").assert_outcomes(passed=2)


def test_a_multi_interaction_cassette_answers_in_order_and_match_on_body_picks_by_body(
    suite: DropinSuite, openai_server: OpenAICompatibleServer
) -> None:
    """Two posts to one URL: VCR.py's default match_on leaves the body out, so the answers come in
    recorded order; with "body" each question gets its own answer whatever the order."""
    for name in ("test_in_order", "test_by_body"):
        record(
            suite.cassette("test_multi", f"{name}.yaml"),
            lambda: (ask(openai_server, "one"), ask(openai_server, "two")),
        )
    suite.module(
        "test_multi",
        """
        @pytest.mark.vcr
        def test_in_order(vcr):
            assert [ask("other"), ask("another")] == ["Echo: one", "Echo: two"]
            assert vcr.play_count == 2 and vcr.all_played

        @pytest.mark.vcr(match_on=["method", "path", "body"])
        def test_by_body():
            assert [ask("two"), ask("one")] == ["Echo: two", "Echo: one"]
        """,
    )
    suite.run("--record-mode=none", "--block-network").assert_outcomes(passed=2)


def test_custom_matchers_registered_in_the_hook_and_unknown_ones_named(
    suite: DropinSuite, openai_server: OpenAICompatibleServer
) -> None:
    # Recorded with another question: only the custom matcher (the model field) can match it.
    record(suite.cassette("test_match", "test_custom.yaml"), lambda: ask(openai_server, "recorded question"))
    suite.pytester.makeconftest(
        NO_SOCKETS
        + textwrap.dedent(
            """
            import json

            def same_model(r1, r2):
                assert json.loads(r1.body)["model"] == json.loads(r2.body)["model"]

            def pytest_recording_configure(config, vcr):
                vcr.register_matcher("model", same_model)
            """
        )
    )
    suite.module(
        "test_match",
        """
        @pytest.mark.vcr(match_on=["method", "path", "model"])
        def test_custom():
            assert ask("another question") == "Echo: recorded question"

        @pytest.mark.vcr(match_on=["method", "nonesuch"])
        def test_unknown():
            pass
        """,
    )
    result = suite.run("--record-mode=none")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*test_match.py::test_unknown: *nonesuch*; register it in pytest_recording_configure*"]
    )


def test_a_miss_lists_the_cassettes_interactions_and_the_matchers_they_fail(
    suite: DropinSuite, openai_server: OpenAICompatibleServer
) -> None:
    record(
        suite.cassette("test_miss", "test_miss.yaml"),
        lambda: (requests.get(openai_server.base_url + "/models?limit=1"), ask(openai_server, "q")),
    )
    suite.module(
        "test_miss", "\n@pytest.mark.vcr\ndef test_miss():\n    requests.get(BASE + '/models?limit=2')\n"
    )
    result = suite.run("--record-mode=none")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*no recording matches this request (mode 'replay')*",
            "*test_miss.yaml#1*",
            "*match_on fails: query*",
            "*test_miss.yaml#2*",
            "*match_on fails: method; match_on fails: path; match_on fails: query*",
        ]
    )


def test_allow_playback_repeats(suite: DropinSuite, openai_server: OpenAICompatibleServer) -> None:
    record(suite.cassette("test_repeat", "test_twice.yaml"), lambda: ask(openai_server, "twice"))
    suite.module(
        "test_repeat",
        """
        @pytest.mark.vcr(allow_playback_repeats=True)
        def test_twice(vcr):
            assert ask("twice") == ask("twice") == "Echo: twice"
            assert vcr.play_count == 2
        """,
    )
    suite.run("--record-mode=none").assert_outcomes(passed=1)
    suite.module("test_repeat", '\n@pytest.mark.vcr\ndef test_twice():\n    ask("twice")\n    ask("twice")\n')
    result = suite.run("--record-mode=none")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*played already (allow_playback_repeats is off)*"])


@pytest.mark.parametrize(
    "option",
    ["ignore_localhost=True", "ignore_hosts=['127.0.0.1']"],
    ids=["ignore_localhost", "ignore_hosts"],
)
def test_ignored_hosts_go_live_and_are_never_recorded(
    inner: InnerSuite, openai_server: OpenAICompatibleServer, option: str
) -> None:
    live = DropinSuite.of(inner, sockets=True)
    live.module(
        "test_ign", f"\n@pytest.mark.vcr({option})\ndef test_ign():\n    assert ask('live') == 'Echo: live'\n"
    )
    for mode in ("new_episodes", "none"):  # ignored, the request is neither recorded nor a miss
        live.run(f"--record-mode={mode}").assert_outcomes(passed=1)
    assert len(openai_server.requests) == 2
    assert not (live.pytester.path / "cassettes").exists()
