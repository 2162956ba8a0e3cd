"""The matching and pass rules of the evaluation, as a specification."""

from __future__ import annotations

import pytest

from assistant.answering.answer import Citation
from eval.cases import Expect
from eval.matching import Outcome, Reference, contains, judge, load_reference, normalise

BME = "kul-biomedical-engineering-postgraduate"
PHYSICS = "kul-medical-physics-certificate"
GROUP = "kul-biomedical-sciences-group"


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    corpus = tmp_path_factory.mktemp("corpus")
    (corpus / f"{BME}.md").write_text(
        "---\n"
        f"id: {BME}\n"
        "title: Postgraduate Programme in Biomedical Engineering\n"
        "kind: programme\n"
        "aliases:\n  - BME postgrad\n"
        "---\n\n"
        "# Tuition fee\n\n"
        "- non-EEA student: 4400 euro (full-time registration)\n"
        "  and 2200 euro   (part-time registration)\n",
        encoding="utf-8",
    )
    (corpus / f"{PHYSICS}.md").write_text(
        '---\ntitle: "Postgraduate Certificate: Medical Physics (Leuven)"\nkind: programme\n---\n'
        "It mainly consists of an internship.\n",
        encoding="utf-8",
    )
    (corpus / f"{GROUP}.md").write_text(
        "---\ntitle: Biomedical Sciences Group\nkind: organisation\n---\nThree faculties.\n",
        encoding="utf-8",
    )
    return load_reference(corpus)


# --- text matching ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "alternative"),
    [
        ("The fee is 4,400 euro.", "4400"),
        ("The fee is 4 400 euro.", "4400"),
        ("The fee is 4\u2009400 euro.", "4400"),  # thin space
        ("The fee is 4\u202f400 euro.", "4400"),  # narrow no-break space
        ("The fee is 4\u00a0400 euro.", "4400"),  # no-break space
        ("The fee is 4400 euro.", "4 400"),
        ("The fee is 4400 euro.", "4,400"),
        ("A budget of 1,234,567 euro.", "1234567"),
        ("A budget of 1 234 567 euro.", "1,234,567"),
        ("€18,016.00 per year", "18016"),  # zero cents are dropped
        ("€18,016.00 per year", "€18,016"),
    ],
)
def test_thousands_separators_are_ignored(text: str, alternative: str) -> None:
    assert contains(text, alternative)


@pytest.mark.parametrize(
    ("text", "alternative"),
    [
        ("more than 10.000 researchers", "10000"),  # a dot is never a thousands separator
        ("₹14,55,250 per year", "1455250"),  # groups of two are not thousands groups
        ("in 2025 500 students", "2025500"),  # a leading group of four digits is a year
        ("fees: 1,000 200", "1000200"),  # mixed separators do not chain
    ],
)
def test_only_comma_and_space_between_groups_of_three_are_separators(
    text: str, alternative: str
) -> None:
    assert not contains(text, alternative)


def test_a_dotted_number_matches_as_written() -> None:
    assert contains("more than 10.000 researchers", "10.000")


@pytest.mark.parametrize(
    ("text", "alternative"),
    [
        ("Apply before 1st March.", "1 March"),
        ("Apply before 1 March.", "1st March"),
        ("the 2nd year", "2 year"),
        ("the 3rd semester", "3 semester"),
        ("on the 21st of June", "21 of june"),
        ("before March 1st", "March 1"),
    ],
)
def test_ordinal_suffixes_are_ignored(text: str, alternative: str) -> None:
    assert contains(text, alternative)


@pytest.mark.parametrize(
    ("text", "alternative", "expected"),
    [
        ("The fee is 400 euro.", "40", False),
        ("The fee is 4400 euro.", "40", False),
        ("The fee is 4400 euro.", "400", False),
        ("The fee is 1400 euro.", "400", False),
        ("IELTS 6.0 is required.", "6", False),  # "6" and "6.0" are different tokens
        ("IELTS 6.5 is required.", "6", False),
        ("IELTS 6.5 is required.", "5", False),
        ("IELTS 16 is required.", "6", False),
        ("IELTS 6.0 is required.", "6.0", True),
        ("IELTS 16.0 is required.", "6.0", False),
        ("The minimum IELTS score is 6.", "6", True),  # a full stop ends the sentence
        ("Scores of 6, 7 or 8.", "6", True),
        ("It takes 40 hours.", "40", True),
        ("It costs €40.", "40", True),
        ("It costs 40€.", "40", True),
        ("Academic year 2024-2025.", "2025", True),
        ("110 euro", "10 euro", False),
        ("840 euro", "10 euro", False),
        ("10 euro", "10 euro", True),
    ],
)
def test_a_number_matches_only_a_whole_number_token(
    text: str, alternative: str, expected: bool
) -> None:
    assert contains(text, alternative) is expected


@pytest.mark.parametrize(
    ("text", "alternative"),
    [
        ("NON-EEA students pay more", "non-EEA"),
        ("Applications close on 1 June", "1 JUNE"),
        ("Applications close on\n1   June", "1 June"),
        ("the master’s programme", "master's"),  # typographic apostrophe
        ("the 2024–2025 academic year", "2024-2025"),  # en dash
        ("Campus Arenberg in Heverlee", "arenberg"),  # words match as substrings
        ("Applications close on 1 June 2025", "june"),
    ],
)
def test_case_whitespace_and_typography_are_ignored(text: str, alternative: str) -> None:
    assert contains(text, alternative)


def test_normalise_keeps_decimals_and_joins_groups() -> None:
    assert normalise("€18,016.00 (14,55,250); IELTS 6.0; 1st\u00a0March") == (
        "€18016 (14,55,250); ielts 6.0; 1 march"
    )


def test_an_empty_alternative_never_matches() -> None:
    assert not contains("anything", "   ")


# --- pass rules ---------------------------------------------------------------------------------


def answer(text: str, *sources: str, answered: bool = True, clarification: bool = False) -> Outcome:
    citations = tuple(Citation(source=s, title=s, quote="q") for s in sources)
    return Outcome(text=text, answered=answered, clarification=clarification, citations=citations)


FEE = Expect(facts=(("4400", "4 400"), ("2200",)), sources=(BME,), forbid=("840",))


@pytest.mark.parametrize(
    ("outcome", "passed", "why"),
    [
        (answer("Non-EEA: 4,400 euro full-time, 2 200 euro part-time.", BME), True, ""),
        (answer("Non-EEA: 2200 euro part-time.", BME), False, "missing fact ['4400', '4 400']"),
        (answer("4400 and 2200; EEA pays 840.", BME), False, "forbidden '840' present"),
        (
            answer("4400 and 2200 euro.", PHYSICS),
            False,
            f"cited {PHYSICS}, expected one of ['{BME}']",
        ),
        (answer("4400 and 2200 euro."), False, f"cited nothing, expected one of ['{BME}']"),
        (answer("I cannot find that.", answered=False), False, "declined but should answer"),
    ],
)
def test_an_answer_needs_every_fact_no_forbidden_string_and_an_expected_source(
    outcome: Outcome, passed: bool, why: str, reference: Reference
) -> None:
    verdict = judge(FEE, outcome, reference)
    assert (verdict.passed, verdict.why) == (passed, why)


def test_facts_are_checked_before_forbidden_strings_and_sources(reference: Reference) -> None:
    verdict = judge(FEE, answer("EEA pays 840 euro.", PHYSICS), reference)
    assert verdict.why == "missing fact ['4400', '4 400']"


def test_a_case_without_expectations_passes_on_any_answer(reference: Reference) -> None:
    assert judge(Expect(), answer("Anything at all."), reference).passed


def test_a_forbidden_number_inside_a_larger_number_is_not_present(reference: Reference) -> None:
    expect = Expect(forbid=("10 euro",))
    assert judge(expect, answer("The fee is 110 euro."), reference).passed


REFUSE = Expect(refuse=True, forbid=("4400",))


@pytest.mark.parametrize(
    ("outcome", "passed", "why"),
    [
        (answer("I cannot answer that from the documents.", answered=False), True, ""),
        (answer("It is 3000 euro.", BME), False, "answered but should decline"),
        (
            answer("I do not know; the BME fee is 4400.", answered=False),
            False,
            "forbidden '4400' present",
        ),
        (
            answer("Which programme do you mean?", answered=False, clarification=True),
            False,
            "asked for clarification but should decline",
        ),
        (
            Outcome(text="", answered=False, error="RuntimeError: boom"),
            False,
            "error: RuntimeError: boom",
        ),
    ],
)
def test_a_refuse_case_passes_only_when_declined_without_forbidden_strings(
    outcome: Outcome, passed: bool, why: str, reference: Reference
) -> None:
    verdict = judge(REFUSE, outcome, reference)
    assert (verdict.passed, verdict.why) == (passed, why)


CLARIFY = Expect(facts=(("4400",),), sources=(BME,), clarify_ok=True)


@pytest.mark.parametrize(
    ("text", "passed"),
    [
        (
            "Do you mean the Postgraduate Programme in Biomedical Engineering or the "
            "Postgraduate Certificate: Medical Physics?",
            True,
        ),
        ("Do you mean the BME postgrad or the postgraduate certificate medical physics?", True),
        (f"Which one: {BME} or {PHYSICS}?", True),
        ("Do you mean the Postgraduate Programme in Biomedical Engineering?", False),
        # an organisation is not a candidate programme
        ("The BME postgrad or the Biomedical Sciences Group?", False),
        ("Which programme do you mean?", False),
    ],
)
def test_clarify_ok_accepts_a_question_naming_two_candidate_programmes(
    text: str, passed: bool, reference: Reference
) -> None:
    outcome = answer(text, answered=False, clarification=True)
    assert judge(CLARIFY, outcome, reference).passed is passed


def test_clarify_ok_still_accepts_a_direct_answer(reference: Reference) -> None:
    assert judge(CLARIFY, answer("The fee is 4400 euro.", BME), reference).passed


def test_a_clarification_fails_when_the_case_does_not_allow_it(reference: Reference) -> None:
    outcome = answer(
        "The BME postgrad or the medical physics certificate?",
        answered=False,
        clarification=True,
    )
    verdict = judge(FEE, outcome, reference)
    assert (verdict.passed, verdict.why) == (False, "asked for clarification but should answer")


def test_a_clarification_naming_one_programme_says_so(reference: Reference) -> None:
    outcome = answer("Do you mean the BME postgrad?", answered=False, clarification=True)
    assert judge(CLARIFY, outcome, reference).why == (
        f"clarification names 1 candidate programmes ['{BME}'], needs 2"
    )


# --- verbatim quotes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "quote", "verbatim"),
    [
        (BME, "non-EEA student: 4400 euro (full-time registration)", True),
        (BME, "and 2200 euro (part-time registration)", True),  # whitespace runs collapse
        (BME, "4400 euro (full-time registration) and 2200 euro", True),  # across a line break
        (BME, "  non-EEA student: 4400 euro  ", True),
        (BME, "Non-EEA student: 4400 euro", False),  # case matters
        (BME, "non-EEA student: 4,400 euro", False),  # separators matter
        (PHYSICS, "non-EEA student: 4400 euro", False),  # wrong document
        ("no-such-document", "4400 euro", False),
        (BME, "   ", False),
    ],
)
def test_a_quote_is_valid_only_verbatim_in_its_own_document(
    source: str, quote: str, verbatim: bool, reference: Reference
) -> None:
    citation = Citation(source=source, title="", quote=quote)
    assert reference.is_verbatim(citation) is verbatim
