#!/usr/bin/env bash
# The baseline: the suite on its cassettes with pytest-recording 0.14.1 and vcrpy 9.4.2 alone (no
# pytest-llmrec), offline: no key, no server, --record-mode=none --block-network, in a copy so the
# committed folder is never written. Exits 1 unless every test of expected_passed.txt passes.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${SUITE_VENV:-$here/../../../.tox/pytest-recording-baseline}"
. "$here/suite_venv.sh"
copy="$(mktemp -d)"
trap 'rm -rf "$copy"' EXIT
cp -r "$here/." "$copy"
cd "$copy"
status=0
env -u OPENAI_API_KEY -u ANTHROPIC_API_KEY "$venv/bin/python" -m pytest -p no:cacheprovider -q -rA \
    --record-mode=none --block-network | tee "$copy/out.txt" || status=$?
grep '^PASSED ' "$copy/out.txt" | cut -d' ' -f2 | sort > "$copy/passed.txt"
[ -s "$here/expected_passed.txt" ] || { echo "baseline: no expected_passed.txt" >&2; exit 1; }
missing="$(comm -23 <(sort "$here/expected_passed.txt") "$copy/passed.txt")"
if [ -n "$missing" ]; then
    echo "baseline: expected to pass but did not:" >&2
    echo "$missing" >&2
    exit 1
fi
echo "baseline (pytest-recording 0.14.1): $(wc -l < "$copy/passed.txt") passed, pytest exit $status"
exit "$status"
