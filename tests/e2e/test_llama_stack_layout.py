"""Suites in llama-stack's layout replay its recordings unchanged, with no marker arguments."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

from e2e.corpus import SUBSET

SEED_NAME = "f27523f3fec83ad48410fc1d959e056fea9ca2d5678acdbe04496bc639cdbbdc.json"
SHARED_SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / SEED_NAME
SEED = SHARED_SEED if SHARED_SEED.exists() else next(SUBSET.rglob(SEED_NAME))


SEED_TEST = textwrap.dedent(
    """
    import json, os, socket
    import openai, pytest

    SEED = json.loads(open(os.environ["SEED"]).read())

    @pytest.fixture(autouse=True)
    def no_network(monkeypatch):
        def refuse(self, address):
            raise AssertionError(f"replay opened a socket to {address}")
        monkeypatch.setattr(socket.socket, "connect", refuse)

    @pytest.mark.llm_recording(name=SEED["test_id"], recordings_dir="llama")
    @pytest.mark.parametrize("asynchronous", [False, True])
    def test_the_seed_replays(asynchronous):
        url = "https://bedrock-runtime.us-west-2.amazonaws.com/openai/v1"
        request = SEED["request"]["body"]
        if asynchronous:
            async def run():
                client = openai.AsyncOpenAI(base_url=url, api_key="x")
                return [chunk async for chunk in await client.chat.completions.create(**request)]
            import asyncio
            chunks = asyncio.run(run())
        else:
            chunks = list(openai.OpenAI(base_url=url, api_key="x").chat.completions.create(**request))
        recorded = [item["__data__"] for item in SEED["response"]["body"]]
        assert [c.model_dump(exclude_unset=True) for c in chunks] == recorded
        assert {c.choices[0].index for c in chunks} == {0, 1}
    """
)


def test_the_seed_replays_unchanged_through_the_openai_sdk(pytester, monkeypatch):
    (pytester.path / "llama").mkdir()
    shutil.copyfile(SEED, pytester.path / "llama" / SEED.name)
    monkeypatch.setenv("SEED", str(SEED))
    pytester.makepyfile(test_seed=SEED_TEST)

    result = pytester.runpytest("-p", "no:cacheprovider", "--strict-markers")

    result.assert_outcomes(passed=2)
    assert "llmrec: 2 replayed, 0 sent live" in result.stdout.str()
    assert sorted(p.name for p in (pytester.path / "llama").iterdir()) == [SEED.name]  # nothing written


def test_a_suite_in_llama_stacks_layout_replays_with_no_marker_arguments(pytester, monkeypatch):
    """The node id is llama-stack's test_id and recordings/ sits beside the test file, as there."""
    test_id = json.loads(SEED.read_text())["test_id"]
    path, _, rest = test_id.partition("::")
    function, _, param = rest.partition("[")
    folder = pytester.path / Path(path).parent
    (folder / "recordings").mkdir(parents=True)
    shutil.copyfile(SEED, folder / "recordings" / SEED.name)
    monkeypatch.setenv("SEED", str(SEED))
    (pytester.path / path).write_text(
        textwrap.dedent(
            f"""
            import json, os
            import openai, pytest

            @pytest.mark.llm_recording
            @pytest.mark.parametrize("unused", [0], ids=[{param[:-1]!r}])
            def {function}(unused):
                seed = json.loads(open(os.environ["SEED"]).read())
                client = openai.OpenAI(base_url="https://bedrock-runtime.us-west-2.amazonaws.com/openai/v1")
                chunks = list(client.chat.completions.create(**seed["request"]["body"]))
                assert len(chunks) == len(seed["response"]["body"])
            """
        )
    )

    result = pytester.runpytest("-p", "no:cacheprovider", "-v")

    result.assert_outcomes(passed=1)
    assert f"{test_id} PASSED" in result.stdout.str()
    assert "llmrec: 1 replayed, 0 sent live" in result.stdout.str()
