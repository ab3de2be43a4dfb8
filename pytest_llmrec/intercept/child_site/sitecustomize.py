"""On PYTHONPATH for the children of a guarded test: installs the guard, then the real sitecustomize.

Does nothing unless LLMREC_GUARD_CHILD is set, or when the child's Python cannot import
pytest-llmrec (another interpreter): the proxy settings still apply to that child.
"""

import contextlib
import importlib.machinery
import importlib.util
import os
import sys

if os.environ.get("LLMREC_GUARD_CHILD"):
    with contextlib.suppress(ImportError):
        from pytest_llmrec.intercept.child import guard_this_process

        guard_this_process(os.environ["LLMREC_GUARD_CHILD"])


def _chain() -> None:
    """Run the sitecustomize this one hides, if the environment has one."""
    here = os.path.dirname(os.path.abspath(__file__))
    path = [entry for entry in sys.path if os.path.abspath(entry or ".") != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", path)
    if spec is not None and spec.loader is not None:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)


_chain()
