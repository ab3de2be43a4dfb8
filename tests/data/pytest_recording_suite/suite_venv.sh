# Sourced by record.sh and baseline.sh: $venv holds requirements.txt and never pytest-llmrec.
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet -r "$here/requirements.txt"
if "$venv/bin/python" -c "import pytest_llmrec" 2>/dev/null; then
    echo "pytest-llmrec is installed in $venv: this run must be pytest-recording alone" >&2
    exit 1
fi
