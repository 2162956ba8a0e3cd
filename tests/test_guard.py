"""The grounding guard: what a generated answer may state, checked against corpus quotes."""

from __future__ import annotations

import pytest

from assistant.answering.llm.guard import (
    GroundingReport,
    check_grounding,
    checkable_facts,
    cited_quotes,
    renumber_markers,
    strip_markers,
)
from assistant.config import PROJECT_ROOT

# Quotes from two documents in corpus/: the KU Leuven postgraduate programme, the Leiden master
FEE = "non-EEA student: 4400 euro (full-time registration) and 2200 euro (part-time registration)"
DEADLINES = "1 March for applications of non-EEA citizens\n1 June for applications of EEA citizens"
REGISTRATION = (
    "Deadline for 2024-2025: 15 September 2024. Registration for 2023-2024 have been closed."
)
COORDINATOR = "Contact\nCoordination: Prof. Frederik Maes"
DURATION = (
    "A fulltime programme takes 1 academic year, starting at the beginning of the Academic Year "
    "in September. It is also possible to follow this programme part time, spread over 2 years."
)
COURSE = "| H03I2A | Biomedical Data Processing | 6 |"
ORGANISER = "This postgraduate programme is organized by the Faculty of Engineering Science"
LANGUAGE_TEST = (
    "English-language proficiency: IELTS - 6.0; Toefl (internet based): 80 (component score: 20)"
)
CAREERS = "90 % find employment within 6 months of graduation (source: WO monitor)."
EVIDENCE = [
    FEE,
    DEADLINES,
    REGISTRATION,
    COORDINATOR,
    DURATION,
    COURSE,
    ORGANISER,
    LANGUAGE_TEST,
    CAREERS,
]


def check(text: str) -> GroundingReport:
    return check_grounding(text, EVIDENCE)


@pytest.mark.parametrize(
    "text",
    [
        "Non-EEA students pay 4400 euro for a full-time registration [1].",
        "A non-EEA student pays €4,400 full time and €2,200 part time [1].",
        "For non-EEA students the full-time fee is EUR 4.400 [1].",
        "The full-time registration costs 4400 EUR for non-EEA students [1]. Hope this helps!",
        "Non-EEA citizens must apply by 1 March [2], EEA citizens by 1 June [2].",
        "Non-EEA citizens must apply by March 1st [2].",
        "Applications of non-EEA citizens are due on the 1st of March [2].",
        "The deadline for 2024-2025 is 15 September 2024 [3].",
        "The 2024–2025 registration deadline is September 15th, 2024 [3].",
        "The programme is coordinated by Prof. Frederik Maes [4].",
        "Contact Prof. Frederik Maes, who coordinates the programme [4].",
        "The full-time programme takes 1 academic year and starts in September [5].",
        "Part-time, the programme is spread over 2 years [5].",
        "H03I2A Biomedical Data Processing is worth 6 ECTS [6].",
        "The programme is organised by the Faculty of Engineering Sciences [7].",
        "You need an IELTS score of 6.0 or a TOEFL score of 80 [8].",
        "An IELTS score of 6 is required [8].",
        "90% of graduates find employment within 6 months [9].",
        "The fee is 4400 euro [1] and the deadline is 1 March [2].",
        "The full-time fee for non-EEA students is 4400 euro [1, 2].",
        "Thank you for your question! Non-EEA students pay 4400 euro [1]. Good luck!",
    ],
)
def test_a_faithful_paraphrase_passes(text: str) -> None:
    assert check(text) == GroundingReport(ok=True, unsupported=())


@pytest.mark.parametrize(
    ("text", "offending"),
    [
        ("Non-EEA students pay 5000 euro [1].", '"5000 euro": figure not in the evidence'),
        ("Non-EEA students pay €5,000 [1].", '"€5,000": figure not in the evidence'),
        ("The fees add up to 6600 euro [1].", '"6600 euro": figure not in the evidence'),
        ("Non-EEA students pay 4400 dollars [1].", '"4400 dollars": figure not in the evidence'),
        (
            "Both fees are 35% of the full-time registration [1].",
            '"35%": figure not in the evidence',
        ),
        ("The course is worth 5 ECTS [6].", '"5 ECTS": figure not in the evidence'),
        ("You need an IELTS score of 6.5 [8].", '"6.5": figure not in the evidence'),
        ("Part-time takes the 3rd year too [5].", '"3rd": figure not in the evidence'),
    ],
)
def test_an_invented_figure_fails(text: str, offending: str) -> None:
    assert check(text).unsupported == (offending,)


@pytest.mark.parametrize(
    ("text", "offending"),
    [
        ("Non-EEA citizens must apply by 1 April [2].", '"1 April": date not in the evidence'),
        ("Non-EEA citizens must apply by March 15 [2].", '"March 15": date not in the evidence'),
        (
            "The deadline is 15 September 2025 [3].",
            '"15 September 2025": date not in the evidence',
        ),
        (
            "The deadline is 15/09/2025 [3].",
            '"15/09/2025": date not in the evidence',
        ),
        (
            "Registration for 2025-2026 is open [3].",
            '"2025-2026": academic year not in the evidence',
        ),
        ("The programme starts in October [5].", '"October": month not in the evidence'),
    ],
)
def test_a_wrong_date_fails(text: str, offending: str) -> None:
    assert check(text).unsupported == (offending,)


def test_an_invented_email_address_fails() -> None:
    report = check("Write to Prof. Frederik Maes at frederik.maes@kuleuven.be [4].")
    assert report.unsupported == (
        '"frederik.maes@kuleuven.be": e-mail address not in the evidence',
    )


def test_an_email_address_from_the_evidence_passes_in_any_case() -> None:
    evidence = ["Questions about admission: Admissions.Office@example.org"]
    assert check_grounding("Write to admissions.office@EXAMPLE.org [1].", evidence).ok


@pytest.mark.parametrize(
    ("text", "offending"),
    [
        ("The course H03I2B is worth 6 ECTS [6].", '"H03I2B": course code not in the evidence'),
        ("It is coordinated by Prof. Jan Peeters [4].", '"Jan Peeters": name not in the evidence'),
        (
            "It is run with the University of Aarhus [7].",
            '"University of Aarhus": name not in the evidence',
        ),
        ("The programme is taught in Copenhagen [5].", '"Copenhagen": name not in the evidence'),
    ],
)
def test_an_invented_name_or_course_code_fails(text: str, offending: str) -> None:
    assert check(text).unsupported == (offending,)


@pytest.mark.parametrize(
    "text",
    [
        "Non-EEA students pay 4400 euro.",
        "Non-EEA citizens must apply by 1 March.",
        "The programme gives a certificate, not a diploma.",
    ],
)
def test_a_claim_without_a_citation_marker_fails(text: str) -> None:
    assert check(text).unsupported == (f'"{text}": a claim without a citation marker',)


def test_small_talk_needs_no_citation() -> None:
    assert check("Hope this helps! Let me know if you have any other questions.").ok


def test_a_marker_must_cite_an_existing_quote() -> None:
    report = check("Non-EEA students pay 4400 euro [12].")
    assert report.unsupported == ('"[12]": there is no quote 12 to cite',)


def test_a_fact_must_be_in_the_quote_its_sentence_cites() -> None:
    report = check("Non-EEA students pay 4400 euro [2].")
    assert report.unsupported == ('"4400 euro": figure not in the cited quote [2]',)


def test_a_claim_of_invented_prose_fails_even_without_figures() -> None:
    report = check(
        "The programme is coordinated by Prof. Frederik Maes, a renowned expert in education "
        "policy [4]."
    )
    assert report.unsupported == (
        '"The programme is coordinated by Prof. Frederik Maes, a reno…": most of its words are '
        "not in the cited quotes (renowned, expert, education, policy)",
    )


@pytest.mark.parametrize(
    ("written", "evidence"),
    [
        ("4,400 euro", "4400 euro"),
        ("4.400 euro", "4400 euro"),
        ("4\u00a0400 €", "4400 euro"),
        ("€ 4400.00", "4400 EUR"),
        ("4400 euro", "4,400 euro"),
        ("1st of June", "1 June"),
        ("June 1st", "1 June"),
        ("the 2nd year", "the second year starts in the 2nd semester"),
        ("1 March", "1 MARCH"),
        ("6.0", "a score of 6"),
    ],
)
def test_thousands_separators_currency_ordinals_and_case_are_normalised(
    written: str, evidence: str
) -> None:
    assert check_grounding(f"It is {written} [1].", [evidence], min_word_support=0).ok


def test_figures_are_checked_without_markers_once_the_markers_are_removed() -> None:
    assert check_grounding("Non-EEA students pay 4400 euro.", EVIDENCE, require_citations=False).ok
    report = check_grounding("They pay 4500 euro.", EVIDENCE, require_citations=False)
    assert report.unsupported == ('"4500 euro": figure not in the evidence',)


def test_markers_are_read_and_removed_for_the_reader() -> None:
    text = "The fee is 4400 euro [1] and the deadline 1 March [2, 1]. Good luck! [3]"
    assert cited_quotes(text) == (1, 2, 3)
    assert strip_markers(text) == "The fee is 4400 euro and the deadline 1 March. Good luck!"


def test_markers_are_renumbered_and_markers_of_dropped_quotes_removed() -> None:
    text = "Apply by 1 March [2] or 1 June [3, 2]. The fee is 4400 euro [1]."
    assert (
        renumber_markers(text, {2: 1, 3: 2})
        == "Apply by 1 March [1] or 1 June [2, 1]. The fee is 4400 euro."
    )


# The extractive draft's own words around a quote, composed from the documents' metadata.
FRAMING = (
    "As a citizen of Türkiye, you count as a non-EEA applicant. For the Postgraduate Programme "
    "in Biomedical Engineering (KU Leuven), the tuition fee for the academic year 2024-2025: [1]"
    "\nNote: these figures were published for the academic year 2024-2025; please confirm the "
    "current ones with the programme."
)


def test_a_sentence_restating_the_trusted_context_needs_no_citation() -> None:
    text = (
        "As a citizen of Türkiye you count as a non-EEA applicant. At KU Leuven, non-EEA students "
        "pay 4400 euro for the academic year 2024-2025 [1]. These figures were published for "
        "2024-2025; please confirm the current ones with the programme."
    )
    assert check_grounding(text, [FEE], context=FRAMING).ok
    assert not check_grounding(text, [FEE]).ok


def test_trusted_context_does_not_excuse_an_uncited_quote_or_an_invented_fact() -> None:
    report = check_grounding(
        "Non-EEA students pay 4400 euro. The fee for 2025-2026 is 4600 euro [1].",
        [FEE],
        context=FRAMING,
    )
    assert report.unsupported == (
        '"Non-EEA students pay 4400 euro.": a claim without a citation marker',
        '"2025-2026": academic year not in the evidence',
        '"4600 euro": figure not in the evidence',
    )


def test_a_quoted_passage_is_one_sentence_cited_once() -> None:
    quote = (
        "the fee can differ slightly if taking more credits f.e. 41 credits instead of 40 "
        "credits. The fee will be adjusted accordingly."
    )
    assert check_grounding(f"The documents say: “{quote}” [1]", [quote]).ok


def test_checkable_facts_lists_figures_dates_and_codes_as_written() -> None:
    text = "H03I2A costs €4,400; apply by 1 March for 2024-2025 (info@example.org)."
    assert checkable_facts(text) == (
        "info@example.org",
        "1 March",
        "2024-2025",
        "H03I2A",
        "€4,400",
    )


def test_checkable_facts_can_be_limited_to_those_the_evidence_states() -> None:
    text = "Non-EEA students pay €4,400 or 5000 euro, by 1 March or 1 April [1]."
    assert checkable_facts(text, [FEE, DEADLINES]) == ("1 March", "€4,400")


def test_an_empty_answer_fails() -> None:
    assert not check("  ").ok


def test_the_check_holds_on_a_whole_document() -> None:
    """A whole document as the source: the facts it states are grounded (how fast the check is
    belongs to the benchmarks, not to a test)."""
    document = (PROJECT_ROOT / "corpus" / "kul-biomedical-engineering-postgraduate.md").read_text(
        encoding="utf-8"
    )
    answer = "Non-EEA students pay 4400 euro [1]. Apply by 1 March [1]. Contact Frederik Maes [1]."
    assert check_grounding(answer, [document]).ok
