"""Where the suite's providers are: the environment, else the loopback servers serve.py starts."""

import os

import anthropic
import openai

OPENAI_URL = os.environ.get("SUITE_OPENAI_BASE_URL", "http://127.0.0.1:18431/v1")
ANTHROPIC_URL = os.environ.get("SUITE_ANTHROPIC_BASE_URL", "http://127.0.0.1:18432")
FILES_URL = os.environ.get("SUITE_FILES_URL", "http://127.0.0.1:18433")


def openai_client(**options):
    return openai.OpenAI(
        base_url=OPENAI_URL, api_key=os.environ.get("OPENAI_API_KEY", "sk-test-not-a-key"), **options
    )


def anthropic_client():
    key = os.environ.get("ANTHROPIC_API_KEY", "sk-ant-test-not-a-key")
    return anthropic.Anthropic(base_url=ANTHROPIC_URL, api_key=key, max_retries=0)


def ask(text, model="gpt-4o-mini", **options):
    answer = openai_client(**options).chat.completions.create(
        model=model, messages=[{"role": "user", "content": text}]
    )
    return answer.choices[0].message.content
