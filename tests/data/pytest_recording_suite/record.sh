#!/usr/bin/env bash
# Record the suite's cassettes for real with pytest-recording (no pytest-llmrec anywhere), against
# the loopback servers of serve.py. Existing cassettes are replaced. Run from anywhere.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${SUITE_VENV:-/tmp/pytest-recording-suite-venv}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet pytest-recording==0.14.1 vcrpy==9.4.2 pytest openai anthropic requests
if "$venv/bin/python" -c "import pytest_llmrec" 2>/dev/null; then
    echo "pytest-llmrec is installed in $venv: the baseline must be pytest-recording alone" >&2
    exit 1
fi
"$venv/bin/python" "$here/serve.py" &
server=$!
trap 'kill $server' EXIT
sleep 1
rm -rf "$here/tests/cassettes"
cd "$here"
env -u OPENAI_API_KEY -u ANTHROPIC_API_KEY "$venv/bin/python" -m pytest -p no:cacheprovider --record-mode=once "$@"
"$venv/bin/python" -m pip freeze | grep -iE '^(pytest|pytest-recording|vcrpy|openai|anthropic|requests|httpx|httpx2)==' 
