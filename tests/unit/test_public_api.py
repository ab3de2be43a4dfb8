"""The package exports what README's "Python API" section documents, and nothing else."""

from __future__ import annotations

import re
from pathlib import Path

import pytest_llmrec

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_exports_are_the_names_readme_documents():
    text = README.read_text()
    section = text.split("## Python API", 1)[1].split("\n## ", 1)[0]
    prose = section.split("```", 1)[0]  # the list, before its example
    documented = set(re.findall(r"`([A-Za-z_]\w*)`", prose))
    documented -= {"llm_recorder", "BaseException"}  # named in passing, not exported
    assert documented == set(pytest_llmrec.__all__) - {"__version__"}
    assert all(hasattr(pytest_llmrec, name) for name in pytest_llmrec.__all__)
