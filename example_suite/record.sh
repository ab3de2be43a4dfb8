#!/usr/bin/env bash
# Re-record one provider's recordings against the loopback server that speaks its API (tests/fakes),
# then put back the real answers taken from llama-stack's corpus where there are some (see
# recordings/SOURCE.md). Nothing leaves 127.0.0.1 and no key is needed.
#
#   example_suite/record.sh openai|azure|anthropic|ollama|vllm|bedrock [PORT]
#
# The script sets the variables a user sets to point the app at their own server, for example
# OPENAI_BASE_URL or ANTHROPIC_BASE_URL. To record against the real provider instead, set its key and
# leave the URL alone: `tox -e record-openai`, or
# `OPENAI_API_KEY=sk-... python -m pytest example_suite --llm-provider=openai --llm-record=rewrite`.
set -euo pipefail
cd "$(dirname "$0")/.."

provider=${1:?usage: example_suite/record.sh PROVIDER [PORT]}
port=${2:-8765}
root="http://127.0.0.1:$port"
server=fakes.llm_server
case "$provider" in  # what a user sets to point the app at their own server
    openai)    vars=(OPENAI_BASE_URL="$root/v1" OPENAI_API_KEY=sk-loopback) ;;
    azure)     vars=(AZURE_OPENAI_ENDPOINT="$root" AZURE_OPENAI_API_KEY=loopback-key) ;;
    anthropic) vars=(ANTHROPIC_BASE_URL="$root" ANTHROPIC_API_KEY=sk-ant-loopback); server=fakes.anthropic_server ;;
    ollama)    vars=(OLLAMA_HOST="$root") ;;
    vllm)      vars=(VLLM_BASE_URL="$root/v1") ;;
    bedrock)   vars=(BEDROCK_BASE_URL="$root/openai/v1" AWS_BEARER_TOKEN_BEDROCK=loopback-key) ;;
    *) echo "unknown provider: $provider (openai, azure, anthropic, ollama, vllm, bedrock)" >&2; exit 2 ;;
esac

(cd tests && exec python -m "$server" "$port") &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true' EXIT
python - "$port" <<'PY'
import socket, sys, time
for _ in range(100):  # up to 5 s for the server to listen
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.1).close()
        break
    except OSError:
        time.sleep(0.05)
else:
    sys.exit("the loopback server did not start")
PY

env "${vars[@]}" python -m pytest example_suite -p no:randomly -q --llm-provider="$provider" --llm-record=rewrite
kill "$server_pid"
python example_suite/curate.py "$provider"
# Replay as every later run does: with the provider's default URL, no key, sockets blocked.
python -m pytest example_suite -p no:randomly -q --llm-provider="$provider" --llm-block-network
