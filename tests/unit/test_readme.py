"""README and CONTRIBUTING stay true to themselves: two commands at the top, every link lands."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _headings(text: str) -> set[str]:
    outside_code = re.sub(r"(?ms)^```.*?^```", "", text)
    return {_anchor(line.lstrip("#")) for line in outside_code.splitlines() if line.startswith("#")}


def test_readme_starts_with_exactly_two_set_up_and_run_commands():
    text = (ROOT / "README.md").read_text()
    first_block = text.split("```bash\n", 1)[1].split("```", 1)[0]
    commands = [line for line in first_block.splitlines() if line and not line.startswith("#")]
    assert len(commands) == 2
    assert commands[0].endswith("python -m pytest example_suite")
    assert commands[1].endswith("python -m pytest -n 2")  # the tests on two workers, as CI runs them


def test_every_link_lands_on_a_heading_or_a_file():
    for name in ("README.md", "CONTRIBUTING.md", "CHANGELOG.md"):
        text = (ROOT / name).read_text()
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if target.startswith("http"):
                continue
            file, _, anchor = target.partition("#")
            linked = ROOT / file if file else ROOT / name
            assert linked.exists(), f"{name}: {target}"
            if anchor:
                assert anchor in _headings(linked.read_text()), f"{name}: {target}"
