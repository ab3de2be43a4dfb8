"""README's tutorial, followed to the letter: its test file, its commands, the output it promises.

The only liberty taken: ``OPENAI_BASE_URL`` points the SDK at the loopback server instead of
OpenAI, and ``sk-...`` is a test key. Everything else (the file, each command, each step's change)
is read from README.md, so the tutorial cannot drift from what the plugin does.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

from fakes.llm_server import OpenAICompatibleServer

README = Path(__file__).resolve().parents[2] / "README.md"
KEY = "sk-test-" + "t" * 20


def _tutorial() -> str:
    text = README.read_text()
    return text.split("## Tutorial: your first recorded test", 1)[1].split("\n## ", 1)[0]


def _blocks(section: str, language: str) -> list[str]:
    """The fenced blocks of one language (``""`` for plain ones), in order."""
    blocks: list[tuple[str, list[str]]] = []
    current: list[str] | None = None
    for line in section.splitlines():
        if line.startswith("```"):
            if current is None:
                current = []
                blocks.append((line[3:].strip(), current))
            else:
                current = None
        elif current is not None:
            current.append(line)
    return ["\n".join(lines) + "\n" for kind, lines in blocks if kind == language]


def _commands(section: str) -> list[str]:
    return [line for block in _blocks(section, "bash") for line in block.splitlines() if line.strip()]


def _run(command: str, cwd: Path, server: OpenAICompatibleServer) -> subprocess.CompletedProcess[str]:
    """A README command as a user's shell runs it, with the SDK pointed at the loopback server."""
    words = shlex.split(command.split("#", 1)[0])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "LLMREC_", "PYTEST_"))}
    env |= {"OPENAI_BASE_URL": server.base_url, "PATH": f"{Path(sys.executable).parent}:{env['PATH']}"}
    while "=" in words[0]:
        name, value = words.pop(0).split("=", 1)
        env[name] = KEY if value == "sk-..." else value
    return subprocess.run(words, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=120)


def test_a_newcomer_following_the_tutorial_records_replays_reads_a_miss_and_rerecords(
    tmp_path: Path, openai_server: OpenAICompatibleServer
):
    section = _tutorial()
    (code,) = _blocks(section, "python")
    path = tmp_path / code.splitlines()[0].removeprefix("# ")
    path.parent.mkdir(parents=True)
    path.write_text(code)
    record, replay, rerecord, *reads = _commands(section)
    folder = tmp_path / "tests/recordings/test_sun/test_latin_name_of_the_sun"

    recorded = _run(record, tmp_path, openai_server)
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    (first,) = folder.glob("*.json")
    assert KEY not in first.read_text()

    sent = len(openai_server.requests)
    replayed = _run(replay, tmp_path, openai_server)
    assert replayed.returncode == 0, replayed.stdout
    output_blocks = _blocks(section, "")
    for line in output_blocks[0].splitlines():
        assert line in replayed.stdout.splitlines()
    assert len(openai_server.requests) == sent  # replay sent nothing

    assert "add `temperature=0` to the call" in section
    path.write_text(
        code.replace(
            '        model="gpt-4o-mini",\n', '        model="gpt-4o-mini",\n        temperature=0,\n'
        )
    )
    missed = _run(replay, tmp_path, openai_server)
    assert missed.returncode == 1
    for line in output_blocks[1].splitlines():
        if line.strip() != "...":
            assert line in missed.stdout.splitlines(), line
    assert len(openai_server.requests) == sent

    rerecorded = _run(rerecord, tmp_path, openai_server)
    assert rerecorded.returncode == 0, rerecorded.stdout
    (second,) = folder.glob("*.json")  # the old file is gone, the new one in its place
    assert second != first
    assert _run(replay, tmp_path, openai_server).returncode == 0

    listed, shown = (_run(command, tmp_path, openai_server) for command in reads)
    assert listed.returncode == 0 and second.name[:12] in listed.stdout
    assert shown.returncode == 0, shown.stderr
    assert str(second.relative_to(tmp_path)) == shown.stdout.splitlines()[0]
    assert "  user:\n    What's the name of the Sun in latin?\n" in shown.stdout
    assert "The Latin name of the Sun is Sol." in shown.stdout
