"""A small study assistant: answers, streams, looks notes up, writes quiz questions, ranks notes, chats.

It is the application the example suite tests, the kind of code a pytest-llmrec user has. It talks to
six providers through two SDKs: OpenAI's (OpenAI, Azure OpenAI, and the OpenAI-compatible endpoints of
Ollama, vLLM and Bedrock) and Anthropic's. ``providers.PROVIDERS`` says which model each one uses.
"""

from .assistant import Conversation, Explanation, QuizQuestion, StudyAssistant
from .notes import NOTES, Note
from .providers import PROVIDERS, Provider, provider_named

__all__ = [
    "NOTES",
    "PROVIDERS",
    "Conversation",
    "Explanation",
    "Note",
    "Provider",
    "QuizQuestion",
    "StudyAssistant",
    "provider_named",
]
