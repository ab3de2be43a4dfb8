"""The study assistant tested as its users test it: recorded once per provider, replayed offline since."""

from __future__ import annotations

import pytest

from study_assistant import NOTES, Provider, StudyAssistant

pytestmark = pytest.mark.llm_recording

RINGS = "Which planet has rings around it with a name starting with letter S?"
SUN = "What's the name of the Sun in latin?"


def test_answers_a_question(assistant: StudyAssistant) -> None:
    assert "Saturn" in assistant.ask(RINGS)


def test_streams_the_answer_in_pieces(assistant: StudyAssistant) -> None:
    pieces = list(assistant.stream(SUN))
    assert len(pieces) > 1
    assert "sol" in "".join(pieces).lower()


def test_looks_the_topic_up_in_the_notes_and_answers_from_it(assistant: StudyAssistant) -> None:
    explanation = assistant.explain_from_notes("What is photosynthesis?")
    assert len(explanation.lookups) == 1
    assert "photosynthesis" in explanation.lookups[0].lower()
    assert "chlorophyll" in explanation.answer


def test_writes_a_quiz_question_with_a_valid_answer(assistant: StudyAssistant) -> None:
    card = assistant.quiz("the French Revolution")
    assert card.question.endswith("?")
    assert len(card.choices) >= 2
    assert 0 <= card.answer < len(card.choices)
    assert card.right_choice in card.choices


def test_ranks_the_note_a_question_is_about_first(assistant: StudyAssistant, provider: Provider) -> None:
    if provider.embedding_model is None:
        pytest.skip(f"{provider.name}: {provider.no_embeddings}")
    ranked = assistant.rank_notes("How do plants turn light into sugar?")
    assert ranked[0][0] == NOTES[0]  # photosynthesis
    scores = [score for _, score in ranked]
    assert scores == sorted(scores, reverse=True)
    assert all(-1.0 <= s <= 1.0 for s in scores)


def test_a_second_turn_sends_the_first_answer_back(assistant: StudyAssistant) -> None:
    chat = assistant.conversation()
    first = chat.say(RINGS)
    second = chat.say("Repeat your previous response in all caps.")

    assert "Saturn" in first
    assert "SATURN" in second
    assert [turn["role"] for turn in chat.history] == ["user", "assistant", "user", "assistant"]
    assert first in chat.history[1]["content"]  # the second request carried the first answer
    assert chat.tokens_used > 0
