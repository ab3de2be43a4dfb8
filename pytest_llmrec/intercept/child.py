"""The guard inside a child process of a guarded test, installed by ``child_site/sitecustomize.py``."""

from __future__ import annotations

import json
import os

from pytest_llmrec.intercept import audit, children
from pytest_llmrec.intercept.guard import child_guard


def guard_this_process(spec: str) -> None:
    """Refuse what the parent test would refuse, and report it to the parent.

    The proxy variables leave ``os.environ`` (the C environment keeps them for grandchildren), so
    this process's own HTTP clients connect directly and are refused naming the real address,
    rather than failing on the closed proxy port.
    """
    settings = json.loads(spec)
    for name in children.PROXY_VARIABLES:
        value = os.environ.pop(name, None)
        if value is not None:
            os.putenv(name, value)
            children.inherited_proxy = value
    audit.install()
    audit.current = child_guard(settings["allowed"], settings["situation"], settings["report"])
