"""How ``llmrec`` prints: aligned tables, JSON, and a progress line only a person at a terminal sees.

Written here rather than taken from a library: a table of plain columns and one progress line on
stderr are a few dozen lines, and ``llmrec`` runs in CI images where every dependency counts.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

import orjson

_DIGEST = re.compile(r"^([0-9a-f]{12})[0-9a-f]{52}(\.\d+)?\.json$")


def print_json(value: Any) -> None:
    """Indented JSON on stdout, for ``--json``: one document, nothing else on stdout."""
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n")


def table(header: Sequence[str], rows: Sequence[Sequence[object]], right: Sequence[str] = ()) -> str:
    """Columns padded to their widest cell; the columns named in ``right`` (numbers) align right."""
    cells = [list(header), *([_cell(value) for value in row] for row in rows)]
    widths = [max(len(line[column]) for line in cells) for column in range(len(header))]
    lines = []
    for line in cells:
        padded = [
            value.rjust(width) if name in right else value.ljust(width)
            for name, value, width in zip(header, line, widths, strict=True)
        ]
        lines.append("  ".join(padded).rstrip())
    return "\n".join(lines)


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def size(count: int) -> str:
    """Bytes as a person reads them: 812 B, 4.1 KB, 2.3 MB."""
    if count < 1024:
        return f"{count} B"
    value = count / 1024
    for unit in ("KB", "MB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def progress(label: str, stream: TextIO | None = None) -> Callable[[int, int], None] | None:
    """A ``(done, total)`` callback redrawing one line on a terminal, or None in CI or a pipe."""
    stream = stream if stream is not None else sys.stderr
    if not stream.isatty() or os.environ.get("CI"):
        return None

    def show(done: int, total: int) -> None:
        if done == total or done % 50 == 0:
            stream.write(f"\r{label} {done}/{total}" + ("\r\x1b[K" if done == total else ""))
            stream.flush()

    return show


def short_path(file: object) -> str:
    """A recording's path with its 64-digit key cut to 12 (``llmrec show`` takes those), ``.N`` kept."""
    path = Path(str(file))
    return str(
        path.with_name(
            _DIGEST.sub(lambda digest: digest.group(1) + "..." + (digest.group(2) or ""), path.name)
        )
    )
