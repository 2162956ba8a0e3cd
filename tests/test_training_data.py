"""The reader's training data: well formed, labelled with real units, large and varied enough,
and kept apart from every evaluation question."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest

from assistant.config import PROJECT_ROOT
from assistant.corpus import load_corpus, split_document, split_units
from eval.cases import load_cases
from training.questions import Record, all_questions, load_records

EVAL_FILES = sorted((PROJECT_ROOT / "eval").glob("cases*.jsonl"))
NEAR_DUPLICATE = 0.8  # share of distinct words two questions have in common (Jaccard)


@lru_cache(maxsize=1)
def records() -> tuple[Record, ...]:
    return tuple(load_records())


@lru_cache(maxsize=1)
def corpus_units() -> frozenset[tuple[str, str]]:
    documents = load_corpus(PROJECT_ROOT / "corpus").documents
    return frozenset(
        (unit.doc_id, unit.text)
        for document in documents
        for chunk in split_document(document)
        for unit in split_units(chunk)
    )


def words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z0-9]+", text.lower()))


def test_there_are_at_least_3000_questions_and_35_percent_are_unanswered() -> None:
    asks = [ask for record in records() for ask in record.asks]
    assert len(asks) >= 3000
    assert sum(not ask.answerable for ask in asks) / len(asks) >= 0.35


def test_every_label_is_a_unit_of_the_corpus_verbatim() -> None:
    units = corpus_units()
    missing = [
        (record.id, ref.text[:60])
        for record in records()
        for ask in record.asks
        for ref in (*ask.answers, *ask.near)
        if (ref.doc, ref.text) not in units
    ]
    assert missing == []


def test_every_ask_is_part_of_its_message() -> None:
    assert [r.id for r in records() for a in r.asks if a.text not in r.message] == []


def test_the_voices_are_varied() -> None:
    tags = Counter(tag for record in records() for tag in record.tags)
    for tag in ("email", "personal_context", "false_premise", "dutch", "follow_up", "near_miss"):
        assert tags[tag] >= 50, tag


@pytest.mark.parametrize("cases_file", EVAL_FILES, ids=lambda p: Path(p).name)
def test_no_training_question_is_a_near_duplicate_of_an_eval_question(cases_file: Path) -> None:
    training = [(text, words(text)) for text in all_questions(records())]
    clashes = []
    for case in load_cases(cases_file):
        asked = [case.question, *(t.content for t in case.history if t.role == "user")]
        for question in asked:
            mine = words(question)
            for text, theirs in training:
                if not mine or min(len(mine), len(theirs)) < NEAR_DUPLICATE * max(
                    len(mine), len(theirs)
                ):
                    continue
                if len(mine & theirs) / len(mine | theirs) >= NEAR_DUPLICATE:
                    clashes.append((case.id, question[:60], text[:60]))
    assert clashes == []
