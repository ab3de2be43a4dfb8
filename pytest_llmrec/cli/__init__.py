"""The ``llmrec`` command: read, compare, check and tidy recordings outside a pytest run.

Every subcommand reads files with the plugin's own reader, so what it shows is what a replaying
test gets. Exit status: 0 when all is well; 1 when the answer is no (recordings differ, a check
found a problem, a key-shaped string was found, an import met a conflict); 2 for a usage error or a
file that cannot be read, with the file and the field named.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from pytest_llmrec import __version__
from pytest_llmrec import check as checking
from pytest_llmrec.cli import diff, importing, listing, prune, sdk, show
from pytest_llmrec.errors import ConfigError, RecordingFileError
from pytest_llmrec.scan import scan

EPILOG = """exit status:
  0  all is well
  1  the answer is no: recordings differ (diff), a problem was found (check), a key-shaped
     string was found (scan), an import met a file it would not overwrite (import)
  2  a usage error, or a file that cannot be read (the message names the file and the field)

Every listing takes --json. Run `llmrec COMMAND --help` for a command's options."""


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="llmrec",
        description="Read, compare, check and tidy the recordings of pytest-llmrec.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    top.add_argument("--version", action="version", version=f"llmrec (pytest-llmrec) {__version__}")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=summary, description=summary[0].upper() + summary[1:] + ".")

    listing.add_arguments(
        command("ls", "list recordings: scope, provider, endpoint, model, tokens, size"), listing=True
    )
    show.add_arguments(command("show", "print one recording as a transcript: the request and the answer"))
    diff.add_arguments(command("diff", "compare two recordings or two directories; exit 1 if they differ"))
    listing.add_arguments(command("stats", "count recordings by provider, endpoint and model"), listing=False)
    verify = command(
        "check", "exit 1 if a recording is damaged, misnamed or misplaced, or a write was cut short"
    )
    verify.add_argument("paths", type=Path, nargs="*", default=[Path(".")], help="files or directories")
    verify.add_argument(
        "--fix", action="store_true", help="rename mismatched files, delete stale temporaries"
    )
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    verify.add_argument(
        "--sdk",
        action="store_true",
        help="instead: validate every recorded body and stream event against the installed SDK's class "
        "(exit 1 on any it would reject; SDKs not installed are listed, not errors)",
    )
    verify.add_argument(
        "--strict", action="store_true", help="with --sdk: every field the declared types do not admit"
    )
    prune.add_arguments(command("prune", "delete the recordings the last whole run found unused"))
    importing.add_arguments(
        command("import", "convert VCR.py cassettes or llama-stack recordings into this layout")
    )
    found = command("scan", "exit 1 if any file under the paths holds something shaped like a key")
    found.add_argument("paths", type=Path, nargs="*", default=[Path(".")], help="files or directories")
    found.add_argument("--json", action="store_true", help="print the findings as JSON")
    return top


def main(argv: Sequence[str] | None = None) -> int:
    top = parser()
    args = top.parse_args(argv)
    try:
        return _run(top, args)
    except (ConfigError, RecordingFileError) as error:
        print(f"llmrec {args.command}: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `llmrec ls | head`
        sys.stderr.close()
        return 0


def _run(top: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.command == "ls":
        return listing.ls(args)
    if args.command == "stats":
        return listing.stats(args)
    if args.command == "show":
        return show.show(args)
    if args.command == "diff":
        return diff.run(args)
    if args.command == "prune":
        return prune.run(args)
    if args.command == "scan":
        return scan(args.paths, as_json=args.json)
    if args.command == "check" and (args.sdk or args.strict):
        if args.fix or not args.sdk:
            top.error("--sdk takes no --fix, and --strict needs --sdk")
        return sdk.main(args.paths, strict=args.strict, as_json=args.json)
    if args.command == "check":
        return checking.main(args.paths, fix=args.fix, as_json=args.json)
    return importing.run(top, args)
