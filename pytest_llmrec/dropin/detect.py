"""Whether pytest-recording or pytest-vcr serves the vcr names in this run, so pytest-llmrec leaves them."""

from __future__ import annotations

import importlib.metadata
import os
from typing import Any

# pytest plugin name (its pytest11 entry point) -> distribution
OTHER_RECORDERS = {"recording": "pytest-recording", "vcr": "pytest-vcr"}


def other_recorder(pluginmanager: Any) -> str | None:
    """The distribution of the other recorder this run loads, if any.

    Asked while options are added, when entry points may not all be registered yet: an installed
    entry point counts unless ``-p no:NAME`` blocks it or plugin autoloading is off.
    """
    autoload = not os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    installed = {point.name for point in importlib.metadata.entry_points(group="pytest11")}
    for name, distribution in OTHER_RECORDERS.items():
        if pluginmanager.has_plugin(name):
            return distribution
        if autoload and name in installed and not pluginmanager.is_blocked(name):
            return distribution
    return None
