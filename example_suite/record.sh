#!/usr/bin/env bash
# Re-record the example suite for one provider against this repository's loopback fakes, as its
# committed recordings were made: `bash example_suite/record.sh anthropic`. To record against the
# real provider instead, set its key (and base URL, for ollama, vllm and bedrock) and run
# `python -m pytest example_suite --llm-provider=NAME --llm-record=rewrite` yourself. The fake keys
# below are long and odd on purpose: a key's value is scrubbed wherever it appears, even in a word.
set -euo pipefail
cd "$(dirname "$0")/.."
provider=${1:?usage: record.sh openai|azure|anthropic|ollama|vllm|bedrock}
port=${PORT:-8799}
server=tests.fakes.llm_server
case $provider in
    openai) export OPENAI_BASE_URL=http://127.0.0.1:$port/v1 OPENAI_API_KEY=llmrec-fake-openai-key ;;
    azure) export AZURE_OPENAI_ENDPOINT=http://127.0.0.1:$port AZURE_OPENAI_API_KEY=llmrec-fake-azure-key ;;
    anthropic) server=tests.fakes.anthropic_server
        export ANTHROPIC_BASE_URL=http://127.0.0.1:$port ANTHROPIC_API_KEY=llmrec-fake-anthropic-key ;;
    ollama) export OLLAMA_BASE_URL=http://127.0.0.1:$port/v1 ;;
    vllm) export VLLM_BASE_URL=http://127.0.0.1:$port/v1 ;;
    bedrock) export BEDROCK_BASE_URL=http://127.0.0.1:$port/openai/v1 AWS_BEARER_TOKEN_BEDROCK=llmrec-fake-bedrock-key ;;
    *) echo "unknown provider: $provider" >&2; exit 2 ;;
esac
python -m "$server" "$port" >/dev/null &
trap 'kill $!' EXIT
sleep 1
python -m pytest example_suite -p no:randomly --llm-provider="$provider" --llm-record=rewrite
