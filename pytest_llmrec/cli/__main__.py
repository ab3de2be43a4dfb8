"""``python -m pytest_llmrec.cli``: the ``llmrec`` command, where no script is on PATH."""

from pytest_llmrec.cli import main

raise SystemExit(main())
