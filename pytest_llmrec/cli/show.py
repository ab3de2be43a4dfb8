"""``llmrec show FILE|KEY``: one recording as a transcript a person reads.

The request's messages, the answer as the SDK's user saw it (a stream joined), the tokens it cost,
its status, and where it was recorded from: no ``__type__``/``__data__`` to read through.
"""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path
from typing import Any

from pytest_llmrec.cli import output
from pytest_llmrec.errors import ConfigError
from pytest_llmrec.reading import found, prompts
from pytest_llmrec.reading.answers import assemble
from pytest_llmrec.reading.found import Found


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("recording", help="a recording file, or its key (the start of its file name)")
    parser.add_argument(
        "--in",
        dest="roots",
        type=Path,
        action="append",
        default=None,
        metavar="PATH",
        help="where to look for a KEY (default: the current directory); repeatable",
    )
    parser.add_argument("--json", action="store_true", help="print the transcript as JSON")


def locate(name: str, roots: list[Path]) -> Path:
    """The file ``name`` names: a path, or the one recording under ``roots`` whose name starts with it."""
    if Path(name).is_file():
        return Path(name)
    matches = [path for path in found.json_files(roots) if path.name.startswith(name)]
    if not matches:
        where = ", ".join(str(root) for root in roots)
        raise ConfigError(f"no file is {name!r}, and no recording under {where} has a name starting with it")
    if len(matches) > 1:
        listed = "\n  ".join(str(path) for path in matches[:10])
        raise ConfigError(f"{len(matches)} recordings start with {name!r}; give more of the key:\n  {listed}")
    return matches[0]


def transcript(each: Found) -> dict[str, Any]:
    """Everything ``show`` prints, as plain data."""
    recording, answer = each.recording, assemble(each.recording)
    body = recording.response.body
    return {
        "file": str(each.path),
        "scope": recording.scope,
        "request": {
            "method": recording.request.method,
            "url": recording.request.url,
            "endpoint": recording.request.endpoint,
            "model": recording.request.model,
            "messages": [{"role": t.role, "text": t.text} for t in prompts.turns(recording.request.body)],
            "tools": prompts.tools(recording.request.body),
        },
        "status": recording.response.status,
        "format": recording.response.format,
        "events": len(body) if recording.response.is_streaming and isinstance(body, list) else None,
        "answer": {
            "model": answer.model,
            "parts": [{"label": p.label, "text": p.text} for p in answer.parts],
        },
        "tokens": {
            "input": answer.tokens.input,
            "output": answer.tokens.output,
            "total": answer.tokens.total,
        },
        "stable_ids": len(recording.id_normalization_mapping),
    }


def render(shown: dict[str, Any]) -> str:
    request, answer, tokens = shown["request"], shown["answer"], shown["tokens"]
    kind = f"stream of {shown['events']} events" if shown["events"] is not None else shown["format"]
    lines = [
        shown["file"],
        f"  scope:    {shown['scope']}",
        f"  request:  {request['method']} {request['endpoint'] or request['url']}"
        + (f"  model {request['model']}" if request["model"] else ""),
        f"  answer:   status {shown['status']}, {kind}"
        + (f", by {answer['model']}" if answer["model"] else ""),
        f"  tokens:   {tokens['input']} in, {tokens['output']} out, {tokens['total']} in all",
        f"  recorded: from {request['url']}"
        + (f"; {shown['stable_ids']} provider id(s) kept as stable ids" if shown["stable_ids"] else ""),
        "",
        "request",
    ]
    lines += [_block(turn["role"], turn["text"]) for turn in request["messages"]] or ["  (no body)"]
    if request["tools"]:
        lines.append(_block("tools", ", ".join(request["tools"])))
    lines += ["", "answer"]
    lines += [_block(part["label"], part["text"]) for part in answer["parts"]]
    return "\n".join(lines)


def _block(label: str, text: str) -> str:
    body = textwrap.indent(text, "    ") if text else "    (empty)"
    return f"  {label}:\n{body}"


def show(args: argparse.Namespace) -> int:
    path = locate(args.recording, args.roots or [Path(".")])
    shown = transcript(found.require(path))
    if args.json:
        output.print_json(shown)
    else:
        print(render(shown))
    return 0
