"""Child processes of a guarded test: proxy settings that refuse, and the guard itself for Python children.

The variables go into the C environment only (``os.putenv``), which children inherit, and not into
``os.environ``: the test's own HTTP clients read ``os.environ`` and keep talking to VCR.py as before.
A child started with an explicit ``env`` mapping has the same variables added to that mapping.
Every child meets a proxy that refuses (``proxy``); Python children also find
``child_site/sitecustomize.py`` on ``PYTHONPATH`` and install the guard from ``LLMREC_GUARD_CHILD``.
What either refuses is appended to a file the parent test reads when it ends.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pytest_llmrec.intercept.proxy import RefusingProxy

SPEC_VARIABLE = "LLMREC_GUARD_CHILD"
SITE_DIR = str(Path(__file__).with_name("child_site"))
PROXY_VARIABLES = tuple(
    name for base in ("http_proxy", "https_proxy", "all_proxy", "grpc_proxy") for name in (base, base.upper())
)
NO_PROXY_VARIABLES = ("no_proxy", "NO_PROXY")

_proxy: RefusingProxy | None = None  # answers 403, noting each target in the report file
_report: Path | None = None  # this process's file of addresses its children refused
inherited_proxy: str | None = None  # in a guarded child: its parent's proxy, passed on to grandchildren


def proxy_port() -> int:
    """The port every guarded child's proxy variables name, started on first use."""
    global _proxy
    if _proxy is None:
        _proxy = RefusingProxy(note)
        atexit.register(_proxy.close)
    return _proxy.port


def note(where: str) -> None:
    """Add an address a child tried to reach to what the current guarded test reads when it ends."""
    with contextlib.suppress(OSError), report_file().open("a") as out:
        out.write(where + "\n")


def report_file() -> Path:
    global _report
    if _report is None:
        handle, name = tempfile.mkstemp(prefix="llmrec-guard-", suffix=".txt")
        os.close(handle)
        _report = Path(name)
        atexit.register(_report.unlink, missing_ok=True)
    return _report


def variables(allowed: Iterable[str], situation: str, report: Path | None, pythonpath: str) -> dict[str, str]:
    """What a child of a guarded test gets: proxies that refuse, the hosts that bypass them, the guard."""
    proxy = inherited_proxy or f"http://127.0.0.1:{proxy_port()}"
    hosts = sorted(allowed)
    spec = {"allowed": hosts, "situation": situation, "report": str(report) if report else None}
    found = {name: proxy for name in PROXY_VARIABLES}
    found.update({name: ",".join(hosts) for name in NO_PROXY_VARIABLES})
    found[SPEC_VARIABLE] = json.dumps(spec)
    found["PYTHONPATH"] = os.pathsep.join(part for part in (SITE_DIR, pythonpath) if part)
    return found


def extend(env: Any, allowed: Iterable[str], situation: str, report: Path | None) -> None:
    """Add the child variables to an explicit environment mapping (not ``os.environ``, which is ours)."""
    if isinstance(env, dict) and env is not os.environ:
        parts = str(env.get("PYTHONPATH", "")).split(os.pathsep)
        pythonpath = os.pathsep.join(part for part in parts if part and part != SITE_DIR)
        env.update(variables(allowed, situation, report or report_file(), pythonpath))


@contextlib.contextmanager
def proxied(allowed: Iterable[str], situation: str) -> Iterator[None]:
    """Children started meanwhile inherit the variables; afterwards the C environment is os.environ again."""
    report = report_file()
    report.write_text("")
    found = variables(allowed, situation, report, os.environ.get("PYTHONPATH", ""))
    for name, value in found.items():
        os.putenv(name, value)
    # With close_fds=False, subprocess would hand os.environ itself to posix_spawn, without the
    # variables; fork and exec instead, which inherits the C environment.
    posix_spawn, subprocess._USE_POSIX_SPAWN = subprocess._USE_POSIX_SPAWN, False  # type: ignore[misc]
    try:
        yield
    finally:
        subprocess._USE_POSIX_SPAWN = posix_spawn  # type: ignore[misc]
        for name in found:
            if name in os.environ:
                os.putenv(name, os.environ[name])
            else:
                os.unsetenv(name)


def refused() -> list[str]:
    """What this process's children refused since the last ``proxied`` began."""
    if _report is None:
        return []
    with contextlib.suppress(OSError):
        return [line for line in _report.read_text().splitlines() if line]
    return []
