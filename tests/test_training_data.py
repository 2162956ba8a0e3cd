"""The reader's training data: well formed, labelled with real units, large and varied enough,
and kept apart from every evaluation question."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from assistant.config import PROJECT_ROOT
from assistant.documents.corpus import load_corpus
from assistant.documents.splitting import split_document, split_units
from eval.cases import load_cases
from training.overlap import overlap
from training.questions import (
    VALIDATION_WRITERS,
    Ask,
    Record,
    UnitRef,
    all_questions,
    contradictions,
    load_records,
    split_by_writer,
    writer,
)

EVAL_FILES = sorted(
    [
        *(PROJECT_ROOT / "eval").glob("cases*.jsonl"),
        *(PROJECT_ROOT / "eval" / "held-out").glob("*.jsonl"),
    ]
)
TEST_BED = PROJECT_ROOT / "eval" / "testbed"
NEAR_DUPLICATE = 0.8  # share of distinct words two questions have in common (Jaccard)


@lru_cache(maxsize=1)
def records() -> tuple[Record, ...]:
    return tuple(load_records())


@lru_cache(maxsize=2)
def units_of(*folders: Path) -> frozenset[tuple[str, str]]:
    """(document id, verbatim text) of every quotable unit of the folders' documents."""
    documents = [d for folder in folders for d in load_corpus(folder).documents]
    return frozenset(
        (unit.doc_id, unit.text)
        for document in documents
        for chunk in split_document(document)
        for unit in split_units(chunk)
    )


def corpus_and_test_bed_units() -> frozenset[tuple[str, str]]:
    return units_of(PROJECT_ROOT / "corpus", TEST_BED)


def not_verbatim(
    labelled: tuple[Record, ...], units: frozenset[tuple[str, str]]
) -> list[tuple[str, str]]:
    """(record id, label) for each label that is not one of the units, verbatim."""
    return [
        (record.id, ref.text[:60])
        for record in labelled
        for ask in record.asks
        for ref in (*ask.answers, *ask.near)
        if (ref.doc, ref.text) not in units
    ]


def words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z0-9]+", text.lower()))


def test_there_are_at_least_8000_messages_and_35_percent_of_asks_are_unanswered() -> None:
    asks = [ask for record in records() for ask in record.asks]
    assert len(records()) >= 8000
    assert sum(not ask.answerable for ask in asks) / len(asks) >= 0.35


def test_every_label_is_a_unit_of_the_corpus_or_the_test_bed_verbatim() -> None:
    assert not_verbatim(records(), corpus_and_test_bed_units()) == []


def test_every_ask_is_part_of_its_message() -> None:
    assert [r.id for r in records() for a in r.asks if a.text not in r.message] == []


def test_every_programme_context_is_a_known_document_or_none() -> None:
    known = {doc for doc, _ in corpus_and_test_bed_units()}
    assert [r.id for r in records() if r.programme not in known | {None}] == []


def test_the_same_words_in_the_same_context_always_carry_the_same_label() -> None:
    assert contradictions(records()) == []


def test_contradicting_labels_are_found() -> None:
    unit = UnitRef("kul-biomedical-engineering-postgraduate", "a fee")
    answered = Record("a-1", "Fee?", (), (Ask("Fee?", (unit,), (), None),), (), "bme")
    silent = Record("b-1", "fee", (), (Ask("fee", (), (), "which fee"),), (), "bme")
    elsewhere = Record("c-1", "fee", (), (Ask("fee", (), (), "which fee"),), (), None)
    assert contradictions([answered, silent, elsewhere]) == [("a-1", "b-1")]


def test_half_of_the_messages_name_no_programme_context_or_leave_it_to_the_widget() -> None:
    with_context = sum(r.programme is not None for r in records())
    assert 0.3 <= with_context / len(records()) <= 0.95


def test_whole_writers_are_kept_for_validation() -> None:
    train, validation = split_by_writer(records(), VALIDATION_WRITERS)
    assert {writer(r) for r in validation} == set(VALIDATION_WRITERS)
    assert not {writer(r) for r in train} & set(VALIDATION_WRITERS)
    assert len(validation) >= 0.08 * len(records())


def test_the_voices_are_varied() -> None:
    tags = Counter(tag for record in records() for tag in record.tags)
    for tag in ("email", "personal_context", "false_premise", "dutch", "follow_up", "near_miss"):
        assert tags[tag] >= 50, tag


@pytest.mark.parametrize("cases_file", EVAL_FILES, ids=lambda p: Path(p).name)
def test_no_training_question_is_a_near_duplicate_of_an_eval_question(cases_file: Path) -> None:
    assert near_duplicates(all_questions(records()), cases_file) == []


def near_duplicates(questions: list[str], cases_file: Path) -> list[tuple[str, str, str]]:
    """(case id, its question, the training question) for each pair sharing most of its words."""
    training = [(text, words(text)) for text in questions]
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
    return clashes


HELD_OUT_FILES = sorted((PROJECT_ROOT / "eval" / "held-out").glob("*.jsonl"))


def test_held_out_cases_share_no_sentence_words_meaning_or_run_with_any_training_question() -> None:
    """Held-out files are written apart: counts only, so a failure shows no case's text."""
    from assistant.config import get_settings
    from assistant.documents.embeddings import get_embeddings

    embeddings = get_embeddings(get_settings())

    def embed(texts: list[str]) -> np.ndarray:
        return np.asarray(embeddings.embed_documents(texts), dtype=np.float32)

    training = all_questions(records())
    cases = [case for path in HELD_OUT_FILES for case in load_cases(path)]
    texts = [
        "\n".join([case.question, *(t.content for t in case.history if t.role == "user")])
        for case in cases
    ]
    found = overlap(texts, training, embed)
    counts = (found.same_words, found.same_meaning, found.word_runs, len(found.texts_matched))
    assert len(load_cases(PROJECT_ROOT / "eval" / "held-out" / "real-voices-3.jsonl")) >= 200
    assert found.sentences > 0
    assert counts == (0, 0, 0, 0)


# --------------------------------------------------------------------------- the saved-answer matcher's data

STAFF_ANSWER_DATA = sorted((PROJECT_ROOT / "training" / "data" / "staff-answers").glob("*.jsonl"))
STAFF_ANSWER_EVAL = PROJECT_ROOT / "eval" / "staff-answers"


def staff_answer_records() -> list[dict[str, object]]:
    import json

    return [
        json.loads(line)
        for path in STAFF_ANSWER_DATA
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def test_the_matcher_is_trained_on_whole_writers_each_with_paraphrases_and_near_misses() -> None:
    from training.saved_answers import VALIDATION_WRITERS

    writers = {path.stem for path in STAFF_ANSWER_DATA}
    assert len(writers) >= 6 and set(VALIDATION_WRITERS) < writers
    known = {path.stem for path in (PROJECT_ROOT / "corpus").glob("*.md")}
    for record in staff_answer_records():
        assert record["question"] and record["answer"], record["id"]
        assert len(record["paraphrases"]) >= 4 and len(record["near_misses"]) >= 2, record["id"]  # type: ignore[arg-type]
        assert record["programme"] is None or record["programme"] in known, record["id"]


def test_no_saved_answer_evaluation_message_is_a_near_duplicate_of_a_matcher_message() -> None:
    """Counts only: a failure shows no text."""
    import json

    training = [
        words(text)
        for record in staff_answer_records()
        for text in (*record["paraphrases"], *record["near_misses"])  # type: ignore[misc]
    ]
    cases = (STAFF_ANSWER_EVAL / "cases.jsonl").read_text(encoding="utf-8").splitlines()
    messages = [words(json.loads(line)["message"]) for line in cases if line.strip()]
    clashes = sum(
        any(len(mine & theirs) / len(mine | theirs) >= NEAR_DUPLICATE for theirs in training)
        for mine in messages
    )
    assert len(messages) >= 150 and clashes == 0


SMALL_TALK_DATA = PROJECT_ROOT / "training" / "data" / "small-talk"


def small_talk_records() -> list[dict[str, str]]:
    """The small-talk detector's own training messages (small talk, and asks close to it)."""
    import json

    return [
        json.loads(line)
        for path in sorted(SMALL_TALK_DATA.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def test_the_small_talk_detector_has_hundreds_of_messages_of_each_kind() -> None:
    kinds = Counter(record["kind"] for record in small_talk_records())
    assert set(kinds) == {"greeting", "thanks", "asks"}
    assert min(kinds.values()) >= 150


@pytest.mark.parametrize("cases_file", EVAL_FILES, ids=lambda p: Path(p).name)
def test_no_small_talk_training_message_is_a_near_duplicate_of_an_eval_question(
    cases_file: Path,
) -> None:
    """Counts only: a failure shows no text."""
    messages = [record["text"] for record in small_talk_records()]
    assert len(near_duplicates(messages, cases_file)) == 0
