"""``llmrec import SRC [DEST]``: VCR.py cassettes or llama-stack recordings into this plugin's layout.

Cassettes convert in place by default (beside each cassette, where a vcr-marked test looks); a
llama-stack recordings directory converts into DEST. A file whose content differs is never
overwritten: it is reported as a conflict, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections import Counter
from pathlib import Path

from pytest_llmrec import media
from pytest_llmrec.cassettes import importer as cassette_import
from pytest_llmrec.cassettes import sources
from pytest_llmrec.errors import SecretInRecordingError
from pytest_llmrec.llama_stack.convert import convertible
from pytest_llmrec.llama_stack.index import ForeignIndex
from pytest_llmrec.matching import KeyOptions, public_url, request_key
from pytest_llmrec.storage import recording
from pytest_llmrec.storage.store import Store


def import_llama_stack(source: Path, destination: Path, shared: list[Path], verbose: bool) -> int:
    """Convert, report, and return the exit status: 1 if a differing file was left in place."""
    index = ForeignIndex.build(source)
    outcome, conflicts = _convert(index, [ForeignIndex.build(d) for d in shared], Store(destination), verbose)
    _report(index, source, destination, outcome, conflicts)
    return 1 if conflicts else 0


def _convert(
    index: ForeignIndex, shared: list[ForeignIndex], store: Store, verbose: bool
) -> tuple[Counter[str], list[Path]]:
    outcome: Counter[str] = Counter()
    conflicts: list[Path] = []
    for entry, request, converted in convertible(index, shared):
        key = request_key(
            request.method, request.url, media.JSON_TYPE, request.body, KeyOptions(request.scope)
        )
        target = store.path_for(request.scope, key.digest, 1)
        # The request as sent, not llama-stack's record of it, so the file's content gives its name back.
        sent = dataclasses.replace(converted.request, method=request.method, url=public_url(request.url))
        converted = dataclasses.replace(converted, request=sent)
        if not target.exists():
            try:
                store.write(target, converted, overwrite=False)
                verdict = "converted"
            except SecretInRecordingError as error:
                verdict = "refused"
                print(f"  refused:    {entry.path.name}: {error}", file=sys.stderr)
        elif target.read_bytes() == recording.dumps(recording.to_document(converted)):
            verdict = "unchanged"
        else:
            verdict = "conflict"
            conflicts.append(target)
        outcome[verdict] += 1
        if verbose:
            print(f"{verdict:9} {entry.path.name} -> {target}")
    return outcome, conflicts


def _report(
    index: ForeignIndex, source: Path, destination: Path, outcome: Counter[str], conflicts: list[Path]
) -> None:
    indexed = [entry for entries in index.entries.values() for entry in entries]
    print(f"{source}: {len(indexed) + len(index.skipped) + len(index.shadowed)} files")
    print(f"  converted:  {outcome['converted']} recording(s) written under {destination}")
    print(f"  unchanged:  {outcome['unchanged']} already there, identical")
    if outcome["refused"]:
        print(f"  refused:    {outcome['refused']} holding what looks like a key (see above)")
    lists = sum(1 for entry in indexed if entry.is_model_list and entry.test_id is not None)
    print(f"  model lists: {lists} file(s) merged per test, as llama-stack merges them")
    vertex = sum(1 for entry in indexed if entry.genai and entry.test_id is not None)
    if vertex:
        print(
            f"  skipped:    {vertex} google-genai recording(s): their URL holds your Vertex AI project "
            f"and location; list {source} in shared_dirs to replay them"
        )
    without_test = sum(1 for entry in indexed if entry.test_id is None)
    if without_test:
        print(
            f"  skipped:    {without_test} without test_id: they answer any test; "
            f"list {source} in shared_dirs instead of importing them"
        )
    for path, reason in sorted(index.skipped.items()):
        print(f"  skipped:    {path.name}: {reason}")
    for path, winner in sorted(index.shadowed.items()):
        print(f"  skipped:    {path.name}: sends the same request as {winner.name}")
    for path in conflicts:
        print(f"  CONFLICT:   {path} exists with different content; not overwritten", file=sys.stderr)


def import_cassettes(source: Path, destination: Path | None, verbose: bool) -> int:
    """Convert VCR.py cassettes, report per source, and return 1 if a differing file was left in place."""
    outcome = cassette_import.import_cassettes(source, destination)
    where = destination if destination is not None else "beside each cassette"
    print(f"{source}: {len(outcome.cassettes)} cassette(s)")
    written = f"{len(outcome.written)} recording(s) written {where}"
    print(f"  converted:  {len(outcome.converted)} cassette(s), {written}")
    print(f"  unchanged:  {len(outcome.unchanged)} recording(s) already there, identical")
    if outcome.recordings:
        print(f"  native:     {outcome.recordings} recording file(s) among the sources, left alone")
    for path, reason in outcome.skipped:
        print(f"  skipped:    {path}: {reason}")
    if verbose:
        for path in outcome.written:
            print(f"  written:    {path}")
    for path in outcome.conflicts:
        print(f"  CONFLICT:   {path} exists with different content; not overwritten", file=sys.stderr)
    if outcome.cassettes:
        print(
            "  The cassettes were left as they are. Once the suite passes on the native files alone "
            "(delete the cassettes, run pytest --record-mode=none), they can be deleted."
        )
    return 1 if outcome.conflicts else 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "source",
        type=Path,
        help="VCR.py cassettes (a file or a directory), or a llama-stack recordings directory",
    )
    parser.add_argument(
        "destination",
        type=Path,
        nargs="?",
        default=None,
        help="the recordings directory to write into (cassettes: default in place, beside each cassette)",
    )
    parser.add_argument(
        "--shared-dir",
        type=Path,
        action="append",
        default=[],
        help="a directory whose model lists merge with the source's (llama-stack's "
        "common/recordings); repeatable",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="list every file")


def run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """VCR.py cassettes or llama-stack recordings, told apart by what the source holds."""
    source: Path = args.source
    if source.is_file() and sources.kind(source) == "cassette":
        return import_cassettes(source, args.destination, args.verbose)
    if not source.is_dir():
        parser.error(f"{source} is not a directory (nor a VCR.py cassette)")
    if sources.holds_cassettes(source):
        return import_cassettes(source, args.destination, args.verbose)
    if args.destination is None:
        parser.error(
            f"{source} holds no VCR.py cassette, so nothing to convert in place; "
            "to import llama-stack recordings, name DEST"
        )
    return import_llama_stack(args.source, args.destination, args.shared_dir, args.verbose)
