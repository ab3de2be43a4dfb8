"""Recordings no test used: listed, failed on or pruned, but only after a run that used their whole store."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

TWO_TESTS = textwrap.dedent(
    """
    import os
    import pytest
    try:
        import httpx2 as httpx
    except ImportError:
        import httpx

    def ask(text):
        httpx.post(os.environ["LLMREC_TEST_BASE_URL"] + "/chat/completions",
                   json={"model": "m", "messages": [{"role": "user", "content": text}]})

    @pytest.mark.llm_recording
    def test_one():
        ask("one")
        if os.environ.get("ALSO_ASK"):
            ask("an older question")

    @pytest.mark.llm_recording
    def test_two():
        ask("two")
    """
)


@pytest.fixture
def stale(inner, openai_server, monkeypatch):
    """Three recordings, of which the suite as it now is uses two."""
    inner.pytester.makepyfile(test_two=TWO_TESTS)
    monkeypatch.setenv("ALSO_ASK", "1")
    inner.run("--llm-record=record-missing").assert_outcomes(passed=2)
    monkeypatch.delenv("ALSO_ASK")
    before = set(inner.recordings())
    assert len(before) == 3
    return inner


def unused_lines(result: pytest.RunResult) -> list[str]:
    lines = result.outlines
    start = next((i for i, line in enumerate(lines) if "recording(s) no test used" in line), None)
    return [] if start is None else [line.strip() for line in lines[start + 1 :] if line.startswith("  ")]


def test_a_full_run_lists_what_no_test_used(stale):
    result = stale.run()
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["llmrec: 1 recording(s) no test used (--llm-unused=prune deletes them):"])
    (listed,) = unused_lines(result)
    assert "test_two/test_one/" in listed
    assert "an older question" in Path(listed).read_text()


@pytest.mark.parametrize("narrowed", [["-k", "test_one"], ["--deselect", "test_two.py::test_two"]])
def test_a_narrowed_run_lists_nothing(stale, narrowed):
    result = stale.run(*narrowed)
    assert unused_lines(result) == []
    assert "no test used" not in result.stdout.str()


def test_fail_makes_the_run_fail_and_prune_deletes(stale):
    failed = stale.run("--llm-unused=fail")
    failed.assert_outcomes(passed=2)
    assert failed.ret == pytest.ExitCode.TESTS_FAILED

    pruned = stale.run("--llm-unused=prune")

    assert pruned.ret == pytest.ExitCode.OK
    assert "1 stale file(s) deleted" in pruned.stdout.str()
    assert len(stale.recordings()) == 2
    assert stale.run().ret == pytest.ExitCode.OK  # the suite still replays


def test_workers_agree_on_what_is_unused(stale):
    pytest.importorskip("xdist")
    result = stale.run("-n", "2")
    result.assert_outcomes(passed=2)
    assert len(unused_lines(result)) == 1


FIXTURE_MOVES_THEM = textwrap.dedent(
    """
    import pytest

    @pytest.fixture(scope="module")
    def llm_recording_config():
        return {"recordings_dir": "other"}
    """
)


def test_the_fixtures_directory_is_the_one_checked(stale):
    """A module whose fixture moves its recordings is counted where they are, not in the default directory."""
    default, other = stale.pytester.path / "recordings", stale.pytester.path / "other"
    other.mkdir()
    for path in default.rglob("*.json"):  # the suite's files, moved to where the fixture says
        target = other / path.relative_to(default)
        target.parent.mkdir(parents=True, exist_ok=True)
        path.rename(target)
    kept_in_default = default / "test_two" / "test_old" / ("0" * 64 + ".json")
    kept_in_default.parent.mkdir(parents=True)
    kept_in_default.write_text("{}")  # no test uses the default directory now: never listed
    stale.pytester.makeconftest(FIXTURE_MOVES_THEM)

    failed = stale.run("--llm-unused=fail")

    failed.assert_outcomes(passed=2)
    assert failed.ret == pytest.ExitCode.TESTS_FAILED
    (listed,) = unused_lines(failed)
    assert listed.startswith(str(other)) and "an older question" in Path(listed).read_text()

    pruned = stale.run("--llm-unused=prune")
    assert "1 stale file(s) deleted" in pruned.stdout.str()
    assert len(list(other.rglob("*.json"))) == 2 and kept_in_default.exists()


def test_a_test_that_did_not_run_keeps_every_file_and_the_summary_says_why(stale):
    skipped = stale.pytester.path / "test_two.py"
    skipped.write_text(skipped.read_text().replace("def test_two():", "@pytest.mark.skip\ndef test_two():"))

    result = stale.run("--llm-unused=prune")

    result.assert_outcomes(passed=1, skipped=1)
    assert len(stale.recordings()) == 3  # the skipped test might have used any directory
    result.stdout.fnmatch_lines(
        [
            "llmrec: unused recordings not checked (--llm-unused=prune): 1 test(s) with recordings did "
            "not run (deselected, skipped or interrupted)"
        ]
    )


OTHER_MODULE = TWO_TESTS.replace("def test_one", "def test_three").replace("def test_two", "def test_four")


@pytest.mark.parametrize("narrowed", [["test_two.py"], ["test_two.py::test_one", "test_two.py::test_two"]])
def test_a_run_narrowed_to_some_files_deletes_nothing_of_the_others(stale, openai_server, narrowed):
    stale.pytester.makepyfile(test_other=OTHER_MODULE)  # shares the recordings directory
    stale.run("--llm-record=record-missing", "test_other.py").assert_outcomes(passed=2)
    before = set(stale.recordings())
    assert len(before) == 5

    result = stale.run("--llm-unused=prune", *narrowed)

    result.assert_outcomes(passed=2)
    assert set(stale.recordings()) == before
    result.stdout.fnmatch_lines(
        [
            f"llmrec: unused recordings not checked (--llm-unused=prune): the run collected part of the suite ({' '.join(narrowed)})"
        ]
    )
    assert stale.run().ret == pytest.ExitCode.OK  # the whole suite still replays


ASK = textwrap.dedent(
    """
    import os
    import pytest
    try:
        import httpx2 as httpx
    except ImportError:
        import httpx

    def ask(text):
        httpx.post(os.environ["LLMREC_TEST_BASE_URL"] + "/chat/completions",
                   json={"model": "m", "messages": [{"role": "user", "content": text}]})
    """
)
CHAT = ASK + textwrap.dedent(
    """
    @pytest.mark.llm_recording
    def test_one():
        ask("one")

    @pytest.mark.llm_recording
    @pytest.mark.slow
    def test_two():
        if os.environ.get("INTERRUPT"):
            raise KeyboardInterrupt
        ask("two")
    """
)
OTHER = ASK + textwrap.dedent(
    """
    @pytest.mark.llm_recording
    def test_flaky():
        ask("flaky")
        if os.environ.get("SKIP"):
            pytest.skip("skipped half-way")
        if os.environ.get("ALSO_ASK"):
            ask("an older question")
        assert not os.environ.get("FAIL")

    @pytest.mark.llm_recording
    def test_three():
        ask("three")
    """
)

# Every way a run can leave tests out or stop short: (what is run, environment, extra pytest options).
NARROWED = [
    ("node id", {}, ["test_chat.py::test_one"]),
    ("file path", {}, ["test_chat.py"]),
    ("-k", {}, ["-k", "test_one"]),
    ("-m", {}, ["-m", "slow"]),
    ("--deselect", {}, ["--deselect", "test_chat.py::test_two"]),
    ("a failure", {"FAIL": "1"}, []),
    ("-x with a failure", {"FAIL": "1"}, ["-x"]),
    ("a skip half-way", {"SKIP": "1"}, []),
    ("KeyboardInterrupt", {"INTERRUPT": "1"}, []),
    ("--lf", {}, ["--lf"]),
    ("xdist -n 2 with a failure", {"FAIL": "1"}, ["-n", "2"]),
]


@pytest.fixture
def suite(inner, openai_server, monkeypatch):
    """Four tests in two modules sharing one recordings directory; test_flaky's folder holds a stale file."""
    inner.pytester.makepyfile(test_chat=CHAT, test_other=OTHER)
    inner.pytester.makeini("[pytest]\nmarkers = slow\n")
    monkeypatch.setenv("ALSO_ASK", "1")
    inner.run("--llm-record=record-missing").assert_outcomes(passed=4)
    monkeypatch.delenv("ALSO_ASK")
    assert len(inner.recordings()) == 5
    return inner


def test_no_narrowed_run_loses_a_recording(suite, monkeypatch):
    pytest.importorskip("xdist")
    before = suite.recordings()
    with monkeypatch.context() as env:  # a failing run first, so that --lf has something to narrow to
        env.setenv("FAIL", "1")
        suite.pytester.runpytest("-p", "no:asyncio", "-q").assert_outcomes(passed=3, failed=1)
    lost = {}
    for name, environment, args in NARROWED:
        with monkeypatch.context() as env:
            for variable, value in environment.items():
                env.setenv(variable, value)
            # With pytest's cache (for --lf), and a Ctrl-C in an inner test kept from stopping this one.
            result = suite.pytester.runpytest(
                "-p", "no:asyncio", "--llm-unused=prune", *args, no_reraise_ctrlc=True
            )
        assert "Traceback" not in result.stdout.str() + result.stderr.str(), name
        assert "no test used" not in result.stdout.str() and "deleted" not in result.stdout.str(), name
        lost[name] = sorted(str(path) for path in set(before) - set(suite.recordings()))

    assert lost == {name: [] for name, _, _ in NARROWED}  # 11 narrowed runs, 5 files kept by each
    assert suite.recordings() == before
    suite.run().assert_outcomes(passed=4)  # and the whole suite still replays


def test_a_whole_passing_run_prunes_the_stale_file_and_names_it(suite):
    folder = suite.pytester.path / "recordings" / "test_other" / "test_flaky"
    (stale,) = [path for path in folder.glob("*.json") if "an older question" in path.read_text()]
    (folder / "x.json").mkdir()
    (folder / "gone.json").symlink_to(folder / "nowhere.json")

    result = suite.run("--llm-unused=prune")

    result.assert_outcomes(passed=4)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["llmrec: deleted 1 stale recording(s):", f"  {stale}"])
    assert (folder / "x.json").is_dir() and (folder / "gone.json").is_symlink()
    (folder / "x.json").rmdir(), (folder / "gone.json").unlink()
    assert not stale.exists() and len(suite.recordings()) == 4
    suite.run().assert_outcomes(passed=4)


def test_an_unreadable_recording_is_reported_broken_and_kept(suite):
    (path,) = (suite.pytester.path / "recordings" / "test_other" / "test_three").glob("*.json")
    conflicted = f"<<<<<<< HEAD\n{path.read_text()}=======\n{{}}\n>>>>>>> theirs\n"
    path.write_text(conflicted)

    result = suite.run("--llm-unused=prune")

    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(
        ["llmrec: 1 recording(s) could not be read, kept (fix or delete them):", f"  {path}: <document>: *"]
    )
    assert path.read_text() == conflicted
    assert "no test used" not in result.stdout.str()


def test_rewrite_under_xdist_is_pruned_once_by_the_controller(suite):
    pytest.importorskip("xdist")
    folder = suite.pytester.path / "recordings" / "test_other" / "test_flaky"
    (stale,) = [path for path in folder.glob("*.json") if "an older question" in path.read_text()]

    result = suite.run("--llm-record=rewrite", "-n", "2")

    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["llmrec: deleted 1 stale recording(s):", f"  {stale}"])
    assert len(suite.recordings()) == 4
    suite.run().assert_outcomes(passed=4)
