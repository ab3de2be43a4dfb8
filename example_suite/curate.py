"""Put real answers from llama-stack's recordings into a provider's recordings, where one fits a test.

llama-stack's corpus (../shared/llama_stack_recordings beside the repository, or
$LLAMA_STACK_RECORDINGS) holds answers real models gave to requests this app also makes: the Saturn
question, the Sun in Latin, and a two-turn chat about Saturn. For the tests listed in CURATED, this
replaces what record.sh recorded against the loopback server with those answers, converted by
`llmrec import` and renamed to their key by `llmrec check --fix`. recordings/SOURCE.md lists them.

    python example_suite/curate.py PROVIDER
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = Path(
    os.environ.get("LLAMA_STACK_RECORDINGS") or HERE.parent.parent / "shared" / "llama_stack_recordings"
)
INFERENCE = "tests/integration/inference/recordings"
RESPONSES = "tests/integration/responses/recordings"
ASK, STREAM, CHAT = (
    "test_answers_a_question",
    "test_streams_the_answer_in_pieces",
    "test_a_second_turn_sends_the_first_answer_back",
)
# provider -> test -> the llama-stack files that answer every request the test makes, in order.
CURATED: dict[str, dict[str, list[str]]] = {
    "openai": {
        CHAT: [
            f"{RESPONSES}/4bfb69854afd4e4815a2dccd41b3cbc0bd753380ff23e58a66775e639c42aa6d.json",
            f"{RESPONSES}/2c449bd39e76692d4b8e4a56658f6be60c747c15d8522c7eb5d85e07316426a8.json",
        ]
    },
    "ollama": {
        ASK: [f"{INFERENCE}/d94bbf50e75423e35f37c42dff284c2589ce81445e3245e5810e5adad8194684.json"],
        STREAM: [f"{INFERENCE}/36968c3ac66be305df6bdac7b747612e4e6645cf3bfcec16f96a41397cbfd5aa.json"],
    },
    "bedrock": {
        ASK: [f"{INFERENCE}/b992b97cfe826895624524f23fb4a134acd8735a7a1f7d845a1dfe550902e536.json"],
        STREAM: [f"{INFERENCE}/624b41ef01122e0ceace5aed3710262a8bc10acf9d3a422c0cdf529df5283d80.json"],
        CHAT: [
            f"{RESPONSES}/8a571fdc1a6d7ea9b6f3917874321de9b3c6f3cfba3c1aeb3cf1ed7bc0faa3d4.json",
            f"{RESPONSES}/90f144dbd9d4099ff45d7438732b243f028ab33db57532e4c710a81a4292c48f.json",
        ],
    },
}


def llmrec(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pytest_llmrec.cli", *args], check=True, stdout=subprocess.DEVNULL)


def curate(provider: str, test: str, sources: list[str]) -> None:
    """Replace the test's recordings with the converted llama-stack files, under the test's scope."""
    folder = HERE / "recordings" / provider / "test_study_assistant" / test
    with tempfile.TemporaryDirectory() as tmp:
        source, converted = Path(tmp, "src"), Path(tmp, "dst")
        source.mkdir()
        for name in sources:
            shutil.copy(CORPUS / name, source)
        llmrec("import", str(source), str(converted))
        files = sorted(converted.rglob("*.json"))
        if len(files) != len(sources):
            raise SystemExit(f"{provider}/{test}: llmrec import wrote {len(files)} of {len(sources)} files")
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for i, file in enumerate(files):
            recording = json.loads(file.read_text())
            recording["test_id"] = f"example_suite/test_study_assistant.py::{test}"
            (folder / f"curated-{i}.json").write_text(json.dumps(recording, indent=2, sort_keys=True) + "\n")
    llmrec("check", "--fix", str(folder))  # renamed to the key each file's request gives in this scope
    print(f"{provider}/{test}: {len(sources)} real answer(s) from llama-stack's corpus")


def main(provider: str) -> None:
    tests = CURATED.get(provider, {})
    if tests and not CORPUS.is_dir():
        print(f"{CORPUS} not found: {provider} keeps the loopback server's answers")
        return
    for test, sources in tests.items():
        curate(provider, test, sources)


if __name__ == "__main__":
    main(sys.argv[1])
