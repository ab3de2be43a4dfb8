#!/usr/bin/env bash
# Record the suite's cassettes for real with pytest-recording (no pytest-llmrec anywhere), against
# the loopback servers of serve.py. Existing cassettes are replaced. Run from anywhere.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${SUITE_VENV:-/tmp/pytest-recording-suite-venv}"
. "$here/suite_venv.sh"
"$venv/bin/python" "$here/serve.py" &
server=$!
trap 'kill $server' EXIT
sleep 1
rm -rf "$here/tests/cassettes"
cd "$here"
env -u OPENAI_API_KEY -u ANTHROPIC_API_KEY "$venv/bin/python" -m pytest -p no:cacheprovider --record-mode=once "$@"
