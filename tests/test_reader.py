"""The trained reader: shipped with the package, loaded offline, and deciding with the real index
whether the documents answer (an honest decline for what they leave open)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from assistant.answering.choice import DECLINED, Choice
from assistant.answering.reading.decision import (
    chosen_by_reader,
    framed_by_the_asker,
    rescued_by_reader,
)
from assistant.answering.reading.reader import (
    DEFAULT_READER_DIR,
    Reader,
    load_reader,
    programme_label,
    reader_question,
    unit_passage,
)
from assistant.config import Settings
from assistant.conversation.assistant import Assistant, Turn, build_assistant
from assistant.documents.indexing import index_corpus
from assistant.errors import ConfigurationError
from assistant.retrieval.index import Evidence
from tests.conftest import CORPUS, make_settings

BME = "kul-biomedical-engineering-postgraduate"
TESTBED = CORPUS.parent / "eval" / "testbed"
LEIDEN = "leiden-biomedical-sciences-master"


@pytest.fixture(scope="module")
def vetoing(index_settings: Settings) -> Assistant:
    """The assistant with the reader's veto on the rules (``ASSISTANT_READER=with_rules``)."""
    return build_assistant(index_settings.model_copy(update={"reader": "with_rules"}))


def test_the_shipped_reader_is_one_small_file_with_its_card() -> None:
    model = DEFAULT_READER_DIR / "model.onnx"
    assert model.stat().st_size <= 30 * 1024 * 1024
    card = json.loads((DEFAULT_READER_DIR / "reader.json").read_text(encoding="utf-8"))
    assert 0 < card["threshold"] < 1
    assert card["trained_on"] >= 7000
    assert card["validation_writers"]  # calibrated on whole writers it was not trained on


def test_a_broken_reader_card_names_its_file(tmp_path: Path) -> None:
    (tmp_path / "reader.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"reader\.json"):
        Reader(tmp_path)


def test_a_missing_model_says_which_folder(tmp_path: Path) -> None:
    (tmp_path / "reader.json").write_text('{"max_length": 64, "threshold": 0.5}', "utf-8")
    with pytest.raises(ConfigurationError, match=re.escape(str(tmp_path))):
        Reader(tmp_path)


def test_a_pairs_probability_does_not_depend_on_the_passages_read_beside_it() -> None:
    reader = load_reader()
    fee, bme = "Tuition fee", "Postgraduate Programme in Biomedical Engineering, KU Leuven"
    non_eea = unit_passage("non-EEA student: 4400 euro (full-time registration)", fee, "", (), bme)
    long_one = unit_passage(
        "Students with the following diplomas are allowed to enter upon approval: minimally a "
        "three or four-year bachelor degree or a master in an engineering discipline related to "
        "mechanical, electrical, material science or computer science engineering.",
        "1. Principles of the curriculum and profile",
        "",
        (),
        bme,
    )
    question = reader_question("How much is the BME postgraduate for non-EEA students?", None, bme)

    alone = reader.score(question, [non_eea])[0]
    beside = reader.score(question, [long_one, non_eea, long_one])[1]
    assert alone == beside


BME_LABEL = "Postgraduate Programme in Biomedical Engineering, KU Leuven"
BME_FEE_QUESTION = reader_question(
    "How much is the BME postgraduate for non-EEA students?", None, BME_LABEL
)


def bme_fee_passages(*texts: str) -> list[str]:
    """Units of the BME postgraduate's fee section as the reader reads them."""
    return [unit_passage(text, "Tuition fee", "", (), BME_LABEL) for text in texts]


def test_a_reader_for_one_ask_remembers_what_it_read_and_gives_the_same_probabilities() -> None:
    reader = load_reader()
    passages = bme_fee_passages(
        "non-EEA student: 4400 euro (full-time registration)",
        "EEA student: 1100 euro (full-time registration)",
    )
    question = BME_FEE_QUESTION
    once = reader.for_one_ask()

    assert once.score(question, passages) == reader.score(question, passages)
    assert once.score(question, passages[::-1]) == reader.score(question, passages)[::-1]
    assert once.any_reaches(question, passages, reader.threshold) == reader.any_reaches(
        question, passages, reader.threshold
    )
    assert load_reader() is reader  # the shared reader remembers nothing of it


def test_candidates_read_at_once_get_the_probabilities_they_get_one_after_another() -> None:
    serial, parallel = Reader(DEFAULT_READER_DIR, workers=1), Reader(DEFAULT_READER_DIR, workers=2)
    passages = bme_fee_passages(
        "The strict deadlines applied by this postgraduate programme are:",
        "non-EEA student: 4400 euro (full-time registration)",
        "EEA student: 1100 euro (full-time registration)",
        "Contact Ms. Valérie Karlshausen for practical information.",
        "A fulltime programme takes 1 academic year.",
    )

    scores = serial.score(BME_FEE_QUESTION, passages)
    assert parallel.score(BME_FEE_QUESTION, passages) == scores
    for floor in (min(scores), sorted(scores)[2], max(scores), max(scores) + 0.01):
        assert parallel.any_reaches(BME_FEE_QUESTION, passages, floor) == (max(scores) >= floor)


def test_while_another_question_holds_the_workers_the_veto_reads_one_pair_at_a_time() -> None:
    parallel = Reader(DEFAULT_READER_DIR, workers=2)
    passages = bme_fee_passages(
        "The strict deadlines applied by this postgraduate programme are:",
        "non-EEA student: 4400 euro (full-time registration)",
        "Contact Ms. Valérie Karlshausen for practical information.",
    )
    scores = parallel.score(BME_FEE_QUESTION, passages)
    floor = scores[1]
    assert scores[0] < floor  # the second passage is the first to reach it

    free, busy = parallel.for_one_ask(), parallel.for_one_ask()
    assert free.any_reaches(BME_FEE_QUESTION, passages, floor)
    with parallel._pool_taken:  # another question is reading with the workers
        assert busy.any_reaches(BME_FEE_QUESTION, passages, floor)

    assert len(free._read or {}) == 3  # the first alone, then the next two together
    assert len(busy._read or {}) == 2  # one by one: it stops where one reaches the floor


def test_the_veto_stops_reading_at_the_first_answer_and_decides_as_if_it_read_all() -> None:
    reader = load_reader()
    passages = bme_fee_passages(
        "The strict deadlines applied by this postgraduate programme are:",
        "non-EEA student: 4400 euro (full-time registration)",
        "Contact Ms. Valérie Karlshausen for practical information.",
    )
    question = BME_FEE_QUESTION
    scores = reader.score(question, passages)

    for floor in (min(scores) - 0.01, reader.veto, max(scores), max(scores) + 0.01):
        assert reader.any_reaches(question, passages, floor) == (max(scores) >= floor)


def test_the_answering_sentence_keeps_the_rules_answer_under_the_veto() -> None:
    reader = load_reader()
    fee, bme = "Tuition fee", "Postgraduate Programme in Biomedical Engineering, KU Leuven"
    non_eea = unit_passage("non-EEA student: 4400 euro (full-time registration)", fee, "", (), bme)
    question = reader_question(
        "I'm from India. How much is a year of the BME postgraduate full-time?", None, bme
    )
    assert reader.score(question, [non_eea])[0] >= reader.veto


def test_the_answering_sentence_outscores_the_other_groups_line() -> None:
    reader = load_reader()
    fee, bme = "Tuition fee", "Postgraduate Programme in Biomedical Engineering, KU Leuven"
    non_eea = unit_passage("non-EEA student: 4400 euro (full-time registration)", fee, "", (), bme)
    eea = unit_passage("EEA student: 840 euro (full-time registration)", fee, "", (), bme)
    question = reader_question(
        "I'm from India. How much is a year of the BME postgraduate full-time?", None, bme
    )
    right, wrong = reader.score(question, [non_eea, eea])
    assert right > wrong


def test_a_follow_up_is_read_with_the_question_before_it() -> None:
    assert reader_question("and part-time?", "What does the BME postgrad cost for non-EEA?") == (
        "What does the BME postgrad cost for non-EEA? || and part-time?"
    )


def test_the_reader_sees_the_programme_asked_about_and_each_passages_programme() -> None:
    """Last in each text: a long message or passage is cut from its start."""
    leuven = {"programme": "Master of Biomedical Sciences", "institution": "KU Leuven"}
    assert programme_label(leuven) == "Master of Biomedical Sciences, KU Leuven"
    lumc = {"programme": "Master X", "institution": "Leiden University / LUMC (Leiden Medical)"}
    assert programme_label(lumc) == "Master X, Leiden University / LUMC"
    assert programme_label({"kind": "general", "title": "notes"}) == ""
    assert reader_question("fee?", None, "Master X, Leiden University / LUMC") == (
        "fee? [Master X, Leiden University / LUMC]"
    )
    assert unit_passage("- EEA: 840 euro", "Fees", programme="Master X, KU Leuven") == (
        "Fees: EEA: 840 euro [Master X, KU Leuven]"
    )


def test_the_same_words_read_differently_for_another_programme() -> None:
    reader = load_reader()
    passage = unit_passage(
        "Deadline for 2024-2025: 15 September 2024.",
        "Application deadline",
        programme="Postgraduate Programme in Biomedical Engineering, KU Leuven",
    )
    own = reader_question(
        "deadline?", None, "Postgraduate Programme in Biomedical Engineering, KU Leuven"
    )
    other = reader_question("deadline?", None, "Master of Science Law, Ghent University")
    mine, theirs = reader.score(own, [passage])[0], reader.score(other, [passage])[0]
    assert mine > theirs


def test_a_long_message_is_read_at_its_end_where_the_question_is() -> None:
    message = "I studied in Ghent. " * 40 + "What is the deadline?"
    assert reader_question(message).endswith("What is the deadline?")
    assert len(reader_question(message).split()) <= 60


@pytest.mark.parametrize(
    "question",
    [
        "Can I appeal if the BME postgraduate rejects my application?",
        "Is there parking for students at the Leiden biomedical sciences master?",
        "Can I pay the tuition fee of the BME postgraduate in monthly instalments?",
    ],
)
def test_what_the_documents_leave_open_is_declined_with_the_readers_veto(
    vetoing: Assistant, question: str
) -> None:
    answer = vetoing.ask(question)
    assert not answer.answered
    assert answer.gaps == 1


@pytest.mark.parametrize(
    ("question", "figure", "source"),
    [
        (
            "hey, non EU here, how much wld the bme postgrad cost me per year full time?",
            "4400",
            BME,
        ),
        ("what IELTS score does Leiden want from me?", "6.0", LEIDEN),
    ],
)
def test_questions_as_people_write_them_are_answered_with_the_readers_veto(
    vetoing: Assistant, question: str, figure: str, source: str
) -> None:
    answer = vetoing.ask(question)
    assert answer.answered
    assert figure in answer.text
    assert source in {c.source for c in answer.citations}


@pytest.mark.parametrize(
    ("message", "opening"),
    [
        ("hi", "Hello!"),
        ("Hi there :)", "Hello!"),
        ("hello there", "Hello!"),
        ("hi, how are you?", "Hello!"),
        ("hey, is someone there?", "Hello!"),
        ("thanks, that helps!", "You're welcome!"),
        ("cool, bye", "You're welcome!"),
        ("thx a lot", "You're welcome!"),
    ],
)
def test_a_greeting_or_thanks_gets_a_friendly_reply_not_a_decline(
    assistant: Assistant, message: str, opening: str
) -> None:
    answer = assistant.ask(message)
    assert answer.small_talk and answer.text.startswith(opening)
    assert "could not find" not in answer.text


def test_a_greeting_in_a_programme_widget_or_thanks_after_an_answer_are_small_talk_too(
    assistant: Assistant,
) -> None:
    programme = "kul-biomedical-engineering-postgraduate"
    greeted = assistant.ask("Hello!", [], programme)
    question = "What is the tuition fee for non-EEA students?"
    answered = assistant.ask(question, [], programme)
    history = [Turn("user", question), Turn("assistant", answered.text)]
    thanked = assistant.ask("thanks!", history, programme)
    follow_up = assistant.ask("and for EEA students?", history, programme)

    assert greeted.small_talk and greeted.text.startswith("Hello!")
    assert thanked.small_talk and thanked.text.startswith("You're welcome!")
    assert follow_up.answered and not follow_up.small_talk


@pytest.mark.parametrize(
    ("message", "opening"),
    [
        ("Good afternoon from a physics teacher in Bruges!", "Hello!"),
        ("hey, I will have a couple of questions in a minute", "Hello!"),
        ("is this a chatbot or a human?", "Hello!"),
        ("goedemiddag, ik heb zo meteen een paar vragen", "Hallo!"),  # read in English
        ("dank je wel, tot ziens", "Graag gedaan!"),
        ("ok I have to leave now, my bus is here, bye!", "You're welcome!"),
        ("I noted everything down, really useful, have a good evening", "You're welcome!"),
    ],
)
def test_what_asks_nothing_is_small_talk_however_it_is_put(
    assistant: Assistant, message: str, opening: str
) -> None:
    """Introductions, questions announced but not yet asked, goodbyes: the detector is trained,
    so these need neither a question word nor a listed phrase."""
    answer = assistant.ask(message)
    assert answer.small_talk and answer.text.startswith(opening)


@pytest.mark.parametrize(
    "message",
    [
        "hi, what is the fee of the BME postgraduate?",
        "hello, is there housing?",
        "fee?",
        "thanks! and the deadline for non-EU students?",
        "Good evening from Lagos, when does the Leiden master start?",
    ],
)
def test_a_greeting_that_asks_something_is_a_question(assistant: Assistant, message: str) -> None:
    assert not assistant.ask(message).small_talk


def test_no_part_of_a_message_asking_several_things_is_greeted(assistant: Assistant) -> None:
    """Each question split out of the message is a question, however short the split leaves it."""
    answer = assistant.ask(
        "Is my B.Pharm from Pune enough for the Leiden master? Which degree is asked?"
    )
    assert not answer.small_talk
    assert "Hello!" not in answer.text and "You're welcome" not in answer.text


@pytest.mark.xfail(
    strict=True,
    reason="known weakness of the second reader: it does not read 'who is in charge' as asking "
    "for the coordinator (it does for 'who is the coordinator'), so the veto declines the rules' "
    "right answer",
)
def test_who_is_in_charge_is_answered_with_the_coordinator(assistant: Assistant) -> None:
    answer = assistant.ask("Who's in charge of the BME postgraduate?")
    assert answer.answered
    assert "Frederik Maes" in answer.text


@pytest.mark.xfail(
    strict=True,
    reason="known regression of the second reader: it finds the campus address answers "
    "'can I park my car on campus?' well enough to keep the rules' near miss",
)
def test_a_staff_draft_marks_the_question_the_documents_leave_open_by_default(
    assistant: Assistant,
) -> None:
    """Drafts take the reader's veto unless ASSISTANT_DRAFT_READER says otherwise: staff check
    each one, and a near miss ticked as answered is what they could send by mistake."""
    draft = assistant.draft_reply(
        "Dear admissions,\nI'm from Brazil. How much is the tuition fee for the BME postgraduate "
        "full-time? Also, can I park my car on campus?\nBest wishes, Ana"
    )
    assert "4400" in draft.text
    assert len(draft.unanswered) == 1
    assert "park" in draft.unanswered[0]


# --- the reader choosing the quotes: where it is sure (by default) or confident (chooses) ---


def _read(*scored: tuple[str, float]) -> list[tuple[Evidence, float]]:
    return [
        (
            Evidence(
                unit_id=f"u{n}",
                doc_id=BME,
                chunk_id="c",
                text=text,
                heading="Fees",
                columns=(),
                score=1.0,
                dense=1.0,
                lexical=1.0,
                intents=(),
                in_programme=True,
            ),
            probability,
        )
        for n, (text, probability) in enumerate(scored)
    ]


def _quoting(text: str) -> Choice:
    return Choice(quotes=((BME, tuple(e for e, _ in _read((text, 1.0)))),))


def test_a_confident_reader_quotes_what_it_finds_where_the_rules_quote_something_else() -> None:
    ruled, chosen = _quoting("The EEA fee is 840 euro."), _quoting("The fee is 4400 euro.")
    read = _read(("The fee is 4400 euro.", 0.9), ("The EEA fee is 840 euro.", 0.2))
    assert chosen_by_reader(ruled, read, 0.6, lambda: chosen) is chosen


def test_the_rules_keep_their_answer_where_the_reader_agrees_or_is_unsure() -> None:
    ruled, chosen = _quoting("The EEA fee is 840 euro."), _quoting("The fee is 4400 euro.")
    agreeing = _read(("The fee is 4400 euro.", 0.9), ("The EEA fee is 840 euro.", 0.7))
    unsure = _read(("The fee is 4400 euro.", 0.5), ("The EEA fee is 840 euro.", 0.2))
    assert chosen_by_reader(ruled, agreeing, 0.6, lambda: chosen) is ruled
    assert chosen_by_reader(ruled, unsure, 0.6, lambda: chosen) is ruled


def test_a_decline_or_a_question_back_is_never_replaced_by_the_readers_choice() -> None:
    chosen = _quoting("The fee is 4400 euro.")
    read = _read(("The fee is 4400 euro.", 0.9))
    asked_back = Choice(ask_back=(BME, "kul-biomedical-sciences-master"))
    assert chosen_by_reader(DECLINED, read, 0.6, lambda: chosen) is DECLINED
    assert chosen_by_reader(asked_back, read, 0.6, lambda: chosen) is asked_back


def test_where_the_rules_find_nothing_a_sure_reader_answers() -> None:
    chosen = _quoting("ECTS credits are transferred in line with the home university's policy.")
    sure = _read(("ECTS credits are transferred in line with the home university's policy.", 0.92))
    unsure = _read(("ECTS credits are transferred in line with the home university's policy.", 0.8))
    asked_back = Choice(ask_back=(BME, "kul-biomedical-sciences-master"))

    assert rescued_by_reader(DECLINED, sure, 0.9, lambda: chosen) is chosen
    assert rescued_by_reader(DECLINED, unsure, 0.9, lambda: chosen) is DECLINED
    assert rescued_by_reader(asked_back, sure, 0.9, lambda: chosen) is asked_back


def test_what_the_asker_says_of_themselves_or_asked_before_keeps_the_rules_quotes(
    assistant: Assistant,
) -> None:
    """The rules choose the fee row for a citizenship and the list an earlier answer gave; the
    reader reads neither, so it does not replace their quotes there."""
    plain = assistant.understand("What does the BME postgraduate cost?")
    british = assistant.understand("I'm British. What does the BME postgraduate cost?")
    after = assistant.understand(
        "and the deadline?", [Turn("user", "What does the BME postgraduate cost?")]
    )

    assert not framed_by_the_asker(plain)
    assert framed_by_the_asker(british) and framed_by_the_asker(after)


def test_the_shipped_reader_is_sure_only_where_few_silent_questions_reach() -> None:
    card = json.loads((DEFAULT_READER_DIR / "reader.json").read_text())
    assert card["veto"] < card["threshold"] < card["sure"] < 1.0


@pytest.fixture(scope="module")
def beside_a_summer_school(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The five documents and a summer school's page, whose wording the rules were not written
    for."""
    root = tmp_path_factory.mktemp("summer-school")
    corpus = root / "corpus"
    corpus.mkdir()
    for page in [*CORPUS.glob("*.md"), TESTBED / "ljubljana-seb-summer-school.md"]:
        shutil.copy(page, corpus / page.name)
    settings = make_settings(root / "chroma", corpus)
    index_corpus(settings)
    return settings


def test_a_page_the_rules_were_not_written_for_is_answered_where_the_reader_is_sure(
    beside_a_summer_school: Settings,
) -> None:
    question = "Are summer school credits in Ljubljana recognised by my university?"
    default = build_assistant(beside_a_summer_school).ask(question)
    rules = build_assistant(beside_a_summer_school.model_copy(update={"reader": "off"}))

    assert default.answered
    assert "transferred in line with students' home university policy" in default.text
    assert not rules.ask(question).answered
