"""Question understanding: intents, programmes named or implied, follow-ups, thread safety."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from assistant.understanding import detect_focus, detect_intents, stems


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("How much will one year cost me?", "fee"),
        ("By when does my application have to be in?", "deadline"),
        ("How many ECTS is H03I2A?", "credits"),
        ("Where are the classes held?", "location"),
        ("Who coordinates the programme?", "contact"),
        ("When should I expect the bill?", "invoice"),
    ],
)
def test_question_words_map_to_what_is_asked(question: str, intent: str) -> None:
    assert intent in detect_intents(question)


def test_who_is_in_charge_is_no_fee_question() -> None:
    assert "fee" not in detect_intents("Who's in charge of the programme?")


def test_question_word_decides_between_two_intents() -> None:
    question = "For how many years would I be paying that?"
    assert detect_focus(question, detect_intents(question)) == "duration"


def test_stemming_gives_the_same_stems_from_many_threads_at_once() -> None:
    text = "deadlines applications courses credits processing registration " * 20
    expected = stems(text)
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda _: stems(text), range(400)))
    assert all(result == expected for result in results)
