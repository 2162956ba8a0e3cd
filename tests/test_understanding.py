"""Question understanding: intents, programmes named or implied, follow-ups, thread safety."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from assistant.config import Settings
from assistant.conversation.assistant import Assistant, build_assistant
from assistant.understanding.programmes import ProgrammeNames
from assistant.understanding.query import (
    asked_subject,
    detect_focus,
    detect_intents,
    detect_programmes,
    spelled_out,
    stems,
)
from assistant.understanding.words import tokenize


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("How much will one year cost me?", "fee"),
        ("By when does my application have to be in?", "deadline"),
        ("How many ECTS is H03I2A?", "credits"),
        ("Where are the classes held?", "location"),
        ("Who coordinates the programme?", "contact"),
        ("When should I expect the bill?", "invoice"),
        ("I work a 9-5 job, could I do it alongside it?", "duration"),
        ("Is it still possible to enrol for 2023-2024?", "deadline"),
        ("Is the programme taught in Dutch?", "teaching_language"),
        ("Which faculty organises the programme?", "organiser"),
        ("Do you write a big final paper at the end?", "thesis"),
        ("Could part of it happen in another country?", "abroad"),
        ("Which papers do I have to add when applying?", "documents"),
        ("How much per year would that be?", "fee"),
        ("gbiomed website url?", "website"),
        ("Which dept runs the Leiden master?", "organiser"),
        ("Where do graduates typically end up working?", "career"),
        ("Which areas can you specialise in?", "tracks"),
        ("How do I go about applying?", "procedure"),
        ("What do I have to send along with my application?", "documents"),
        ("I work a 9-5 job, could I do the programme alongside it?", "schedule"),
        ("I was accepted, what happens next?", "procedure"),
        ("The letter came, what do I do with it?", "procedure"),
        ("To whom do I send my admission request?", "procedure"),
        ("Where can I read more about the group?", "website"),
        ("What do I need to put together for my application?", "documents"),
        ("Can I still sign up this year?", "deadline"),
        ("What should my email contain?", "documents"),
        ("Is there prior knowledge I need?", "admission"),
        ("Are lectures in the evenings?", "schedule"),
        ("Who gets to decide if my diploma is acceptable?", "admission"),
        ("I work nine to five, is that a problem?", "schedule"),
    ],
)
def test_question_words_map_to_what_is_asked(question: str, intent: str) -> None:
    assert intent in detect_intents(question)


def test_an_email_to_write_is_no_contact_question() -> None:
    assert "contact" not in detect_intents("What should my e-mail to the programme contain?")


def test_who_is_in_charge_is_no_fee_question() -> None:
    assert "fee" not in detect_intents("Who's in charge of the programme?")


def test_question_word_decides_between_two_intents() -> None:
    question = "For how many years would I be paying that?"
    assert detect_focus(question, detect_intents(question)) == "duration"


@pytest.mark.parametrize(
    "question",
    [
        "I have my acceptance letter, how do I actually register?",
        "How does the application work, is there a form to fill in?",
    ],
)
def test_how_applying_works_asks_for_the_procedure(question: str) -> None:
    assert detect_focus(question, detect_intents(question)) == "procedure"


def test_naming_an_institution_rules_out_the_other_institutions_programmes(
    assistant: Assistant,
) -> None:
    names = assistant.retriever.index().names
    assert detect_programmes("the Leiden research master", names) == (
        "leiden-biomedical-sciences-master",
    )
    assert "leiden-biomedical-sciences-master" not in detect_programmes(
        "Does KU Leuven do research on stem cells?", names
    )


@pytest.mark.parametrize(
    ("said", "programme"),
    [
        ("And what about the Leuven BME postgraduate?", "kul-biomedical-engineering-postgraduate"),
        ("is the bme postgrad online?", "kul-biomedical-engineering-postgraduate"),
        ("medical physics postgrad fee", "kul-medical-physics-certificate"),
    ],
)
def test_an_alias_is_matched_as_applicants_shorten_it(
    assistant: Assistant, said: str, programme: str
) -> None:
    """'BME postgrad' is an alias; the question's 'postgrad' is read as 'postgraduate', and so is
    the alias, so the whole alias matches: clearly enough to name another programme than the
    widget's."""
    names = assistant.retriever.index().names
    assert detect_programmes(said, names, minimum=2) == (programme,)


def test_a_title_word_other_documents_also_use_names_no_programme(assistant: Assistant) -> None:
    names = assistant.retriever.index().names
    assert detect_programmes("Which research institutes does that group work with?", names) == ()
    assert detect_programmes("How long does the physics certificate take?", names) == (
        "kul-medical-physics-certificate",
    )


def test_a_name_in_other_words_order_names_every_programme_it_fits(assistant: Assistant) -> None:
    names = assistant.retriever.index().names
    assert set(detect_programmes("jobs after the biomedical sciences master?", names)) == {
        "kul-biomedical-sciences-master",
        "leiden-biomedical-sciences-master",
    }


def test_a_name_only_one_document_uses_names_that_document(assistant: Assistant) -> None:
    names = assistant.retriever.index().names
    assert detect_programmes("Where is the Biomedical Library?", names) == (
        "kul-biomedical-sciences-group",
    )


def test_stemming_gives_the_same_stems_from_many_threads_at_once() -> None:
    text = "deadlines applications courses credits processing registration " * 20
    expected = stems(text)
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda _: stems(text), range(400)))
    assert all(result == expected for result in results)


def test_questions_asked_at_once_beyond_the_answers_allowed_wait_their_turn_for_theirs(
    index_settings: Settings,
) -> None:
    one_at_a_time = build_assistant(index_settings.model_copy(update={"concurrent_answers": 1}))
    questions = [
        "What is the fee of the BME postgrad for non-EEA students?",
        "When is the deadline for the Leiden biomedical research master?",
        "hello!",
        "Is there student housing in Leuven?",
    ]
    alone = [one_at_a_time.ask(q).text for q in questions]

    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(lambda q: one_at_a_time.ask(q).text, questions * 4))

    assert together == alone * 4


def test_compulsory_courses_are_no_admission_question() -> None:
    intents = detect_intents("Which course is compulsory for everyone? required to take")
    assert "admission" not in intents


def test_teaching_language_is_not_a_language_test_question() -> None:
    assert "language_requirement" not in detect_intents("Are the classes in English?")


def test_hyphenated_words_are_stemmed_part_by_part() -> None:
    assert stems("part-time") == ["part-time", "part", "time"]
    assert stems("e-mail") == stems("email")


def test_british_and_american_spellings_give_one_stem() -> None:
    assert stems("specialisations organised") == stems("specializations organized")


def test_short_forms_are_spelled_out() -> None:
    assert spelled_out("the biomed postgrad at a Dutch uni") == (
        "the biomedical postgraduate at a Dutch university"
    )
    assert spelled_out("a predoctoral exam") == "a predoctoral examination"


def test_where_to_send_or_to_work_is_no_location_question() -> None:
    assert "location" not in detect_intents("Where do I send my request to get admitted?")
    assert "location" not in detect_intents("Is there a project where you design devices?")
    assert "location" not in detect_intents("Where do graduates end up working?")


def test_credits_asked_for_win_over_how_long() -> None:
    question = "How long is the internship, in credits?"
    assert detect_focus(question, detect_intents(question)) == "credits"


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("Are there scholarships for international students?", "scholarships"),
        ("How much is a student room in Leiden per month?", "room"),
        ("How long does it take to get a student visa?", "visa"),
        ("Is there a lowest amount I'd be charged?", "amount"),
        ("When is the deadline?", None),
        ("Will I be paid during the internship?", "paid"),
        ("Does the university provide accommodation?", "accommodation"),
        ("Do I have to send a CV?", None),
        ("Is there an alternative for that course?", None),
    ],
)
def test_the_subject_of_an_is_there_question_is_found(question: str, subject: str | None) -> None:
    assert asked_subject(question) == subject


def test_where_a_figure_comes_from_is_no_location_question() -> None:
    assert "location" not in detect_intents(
        "Where does Leiden's graduate employment figure come from?"
    )


def test_money_for_research_is_no_fee_question() -> None:
    assert "fee" not in detect_intents("Will Leiden teach me how to get money for my own research?")


# --------------------------------------------------------------------------- naming that scales


def _names_of(*folders: str) -> ProgrammeNames:
    """How the documents of these folders are named, as the index names them."""
    from assistant.config import PROJECT_ROOT
    from assistant.documents.corpus import load_corpus
    from assistant.understanding.programmes import programme_names

    documents = [d for f in folders for d in load_corpus(PROJECT_ROOT / f).documents]
    metas = {str(d.metadata["id"]): {k: str(v) for k, v in d.metadata.items()} for d in documents}
    texts = {str(d.metadata["id"]): d.page_content for d in documents}
    return programme_names(metas, texts)


SEED_QUESTIONS = [
    "what is the fee of the BME postgrad?",
    "When is the deadline for the Leiden biomedical research master?",
    "is the leiden research master in dutch?",
    "How long does the medical physics certificate take?",
    "Which courses are in the KU Leuven master of biomedical sciences?",
    "Who do I contact at the Biomedical Sciences Group?",
    "Is the Leiden application date fixed yet?",
    "how do i apply for the BME postgrad? I studied at Ghent",
]


@pytest.mark.parametrize("question", SEED_QUESTIONS)
def test_adding_documents_never_takes_a_programme_away_from_a_question(question: str) -> None:
    seeds = _names_of("corpus")
    grown = _names_of("corpus", "eval/testbed")

    alone = set(detect_programmes(question, seeds))
    assert alone, "the question names a seed programme"
    assert alone <= set(detect_programmes(question, grown))


def test_an_institution_alone_names_each_of_its_programmes() -> None:
    grown = _names_of("corpus", "eval/testbed")

    assert set(detect_programmes("Is the Leiden application date fixed yet?", grown)) == {
        "leiden-biomedical-sciences-master",
        "leiden-european-law-llm",
    }
    assert detect_programmes("is the leiden research master in dutch?", grown) == (
        "leiden-biomedical-sciences-master",
    )


def test_words_a_few_names_share_name_each_of_those_programmes() -> None:
    """ "the LLM", "the sustainable energy master": no name of its own, but words of a few names
    together; which one is meant is then asked, listing only those."""
    grown = _names_of("corpus", "eval/testbed")

    assert set(detect_programmes("How many credits is the LLM?", grown)) == {
        "leiden-european-law-llm",
        "ugent-llm-international-european-law",
    }
    assert set(detect_programmes("fee for the sustainable energy master?", grown)) == {
        "kth-innovative-sustainable-energy-engineering-master",
        "kth-sustainable-energy-engineering-master",
        "tue-sustainable-energy-technology-master",
    }
    assert detect_programmes("How many credits is the Ghent LLM?", grown) == (
        "ugent-llm-international-european-law",
    )


def test_words_shared_by_many_names_or_said_in_a_programmes_widget_name_no_group() -> None:
    grown = _names_of("corpus", "eval/testbed")

    assert detect_programmes("what is the fee for the biomedical master?", grown) == ()
    # in a programme's widget (or after it was named) only a clear name names another
    assert detect_programmes("How many credits is the LLM?", grown, minimum=2) == ()


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("European Law (LL.M.)", ["european", "law", "llm"]),
        ("an M.Sc. or a Ph.D.", ["an", "msc", "or", "a", "phd"]),
        ("IELTS 6.5", ["ielts", "6", "5"]),
    ],
)
def test_a_short_form_written_with_dots_is_read_as_one_word(written: str, read: list[str]) -> None:
    assert tokenize(written) == read


_NAMED_IN_A_FRESH_PROCESS = """
import json, sys
sys.path.insert(0, "tests")
from test_understanding import _names_of
from assistant.understanding.programmes import detect_programmes
names = _names_of("corpus", "eval/testbed")
print(json.dumps([detect_programmes(q, names) for q in json.loads(sys.argv[1])]))
"""


def test_the_same_words_name_the_same_programmes_in_the_same_order_in_every_process() -> None:
    # the order matters: the reader reads the first programmes named with the question
    import json
    import subprocess
    import sys

    from assistant.config import PROJECT_ROOT

    questions = [
        "How long is the train ride from Brussels Airport to Leuven?",
        "Is the Leiden application date fixed yet?",
        "what does the master cost in leuven?",
        "the LLM in Leiden or the one in Ghent: which starts first?",
    ]

    def named(seed: int) -> list[list[str]]:
        run = subprocess.run(
            [sys.executable, "-c", _NAMED_IN_A_FRESH_PROCESS, json.dumps(questions)],
            cwd=PROJECT_ROOT,
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(run.stdout)

    first = named(0)
    assert any(len(programmes) > 1 for programmes in first), "a question names several"
    assert all(named(seed) == first for seed in (1, 2, 3))


@pytest.mark.parametrize(
    ("written", "name"),
    [("Gent", "Ghent"), ("Lueven", "Leuven"), ("Leidn", "Leiden")],
)
def test_a_city_in_its_own_language_or_misspelt_names_what_its_english_name_does(
    written: str, name: str
) -> None:
    grown = _names_of("corpus", "eval/testbed")

    for question in ["Is the LLM in {} taught in English?", "deadline for the {} master?"]:
        expected = detect_programmes(question.format(name), grown)
        assert expected
        assert detect_programmes(question.format(written), grown) == expected
