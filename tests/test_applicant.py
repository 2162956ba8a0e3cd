"""What an applicant says about themselves, mapped to the documents' categories."""

from __future__ import annotations

import time

import pytest

from assistant.understanding.applicant import (
    COUNTRIES,
    EEA_MEMBERS,
    EU_MEMBERS,
    ApplicantSituation,
    Country,
    category_terms,
    detect_situation,
)

RESIDENT = "non-EEA living in Belgium with a valid residence permit"


def situation_of(text: str) -> ApplicantSituation:
    situation = detect_situation(text)
    assert situation is not None, text
    return situation


# The table


def test_table_holds_every_un_member_state_once() -> None:
    members = [country for country in COUNTRIES if country.un_member]
    assert len(members) == 193
    assert len({country.name for country in members}) == 193


def test_eea_is_the_27_eu_states_plus_iceland_liechtenstein_and_norway() -> None:
    assert len(EU_MEMBERS) == 27
    outside_eu = EEA_MEMBERS - EU_MEMBERS
    assert outside_eu == {"Iceland", "Liechtenstein", "Norway"}
    flagged = {country.name for country in COUNTRIES if country.eea}
    assert flagged == EEA_MEMBERS


@pytest.mark.parametrize("name", ["Switzerland", "the United Kingdom"])
def test_switzerland_and_the_uk_are_explicitly_non_eea(name: str) -> None:
    (country,) = [country for country in COUNTRIES if country.name == name]
    assert country.eea is False


@pytest.mark.parametrize(
    "country", [c for c in COUNTRIES if c.un_member], ids=lambda country: country.short_name
)
def test_every_un_member_state_is_recognised_by_its_english_name(country: Country) -> None:
    situation = situation_of(f"Hello, I am from {country.name}. What is the deadline?")
    assert situation.country == country.short_name
    assert situation.eea is country.eea


@pytest.mark.parametrize(
    "country", [c for c in COUNTRIES if c.un_member], ids=lambda country: country.short_name
)
def test_every_un_member_state_is_recognised_after_citizen_of(country: Country) -> None:
    situation = situation_of(f"I am a citizen of {country.name}")
    assert situation.country == country.short_name


# Citizenship


def test_indian_citizen_is_non_eea() -> None:
    situation = situation_of("I'm an Indian citizen, what is the tuition fee?")
    assert situation == ApplicantSituation("India", False, False, None)
    assert situation.category == "non-EEA"


def test_norwegian_is_eea_though_not_eu() -> None:
    situation = situation_of("I am Norwegian, when is my deadline?")
    assert situation.country == "Norway"
    assert situation.category == "EEA"


@pytest.mark.parametrize(
    ("text", "country", "eea"),
    [
        ("I'm Indian", "India", False),
        ("I am from India", "India", False),
        ("I'm Brazilian", "Brazil", False),
        ("I come from Brazil", "Brazil", False),
        ("I'm Dutch", "Netherlands", True),
        ("I am from the Netherlands", "Netherlands", True),
        ("Dutch citizen here, what's the deadline?", "Netherlands", True),
        ("I have a Dutch passport", "Netherlands", True),
        ("I'm German", "Germany", True),
        ("I am a German national", "Germany", True),
        ("I'm from Germany", "Germany", True),
        ("I'm American", "United States", False),
        ("I'm from the United States", "United States", False),
        ("I'm from the USA", "United States", False),
        ("I'm from the US", "United States", False),
        ("I'm British", "United Kingdom", False),
        ("I'm from the UK", "United Kingdom", False),
        ("I have a UK passport", "United Kingdom", False),
        ("I'm Nigerian", "Nigeria", False),
        ("I am from Nigeria", "Nigeria", False),
        ("I'm Chinese", "China", False),
        ("I'm from China", "China", False),
        ("I'm Belgian", "Belgium", True),
        ("I'm Swiss", "Switzerland", False),
        ("I'm from Iceland", "Iceland", True),
        ("I am a citizen of Liechtenstein", "Liechtenstein", True),
        ("My nationality is Moroccan", "Morocco", False),
        ("As a Turkish student, what do I pay?", "Türkiye", False),
        ("I'm a Polish student", "Poland", True),
        ("Hi! Indian here. Deadline?", "India", False),
        ("I'm from Côte d'Ivoire", "Côte d'Ivoire", False),
        ("I'm from Cote d'Ivoire", "Côte d'Ivoire", False),
        ("I'm from Guinea-Bissau", "Guinea-Bissau", False),
        ("I'm from Niger", "Niger", False),
        ("I'm Congolese", "Democratic Republic of the Congo", False),
        ("I'm South Korean", "South Korea", False),
        ("I'm from South Sudan", "South Sudan", False),
    ],
)
def test_english_nationality_statements(text: str, country: str, eea: bool) -> None:
    situation = situation_of(text)
    assert (situation.country, situation.eea) == (country, eea)


@pytest.mark.parametrize(
    ("text", "country", "eea"),
    [
        ("Ik ben Belg", "Belgium", True),
        ("Ik ben Belgisch", "Belgium", True),
        ("Ik heb de Belgische nationaliteit", "Belgium", True),
        ("Ik kom uit België", "Belgium", True),
        ("Ik ben Nederlander", "Netherlands", True),
        ("Ik heb de Nederlandse nationaliteit", "Netherlands", True),
        ("Ik kom uit Nederland", "Netherlands", True),
        ("Ik ben Duits", "Germany", True),
        ("Ik kom uit Duitsland", "Germany", True),
        ("Ik ben een Duitse student", "Germany", True),
        ("Ik kom uit India", "India", False),
        ("Ik ben Indiaas", "India", False),
        ("Als Indiase student, wat betaal ik?", "India", False),
        ("Ik kom uit Marokko", "Morocco", False),
        ("Ik ben Marokkaans", "Morocco", False),
        ("Ik heb de Marokkaanse nationaliteit", "Morocco", False),
        ("Ik kom uit Turkije", "Türkiye", False),
        ("Ik ben Turks", "Türkiye", False),
        ("Ik heb een Turks paspoort", "Türkiye", False),
    ],
)
def test_dutch_nationality_statements(text: str, country: str, eea: bool) -> None:
    situation = situation_of(text)
    assert (situation.country, situation.eea) == (country, eea)


@pytest.mark.parametrize(
    ("text", "country", "eea"),
    [
        ("Je suis marocain, combien coûte le master ?", "Morocco", False),
        ("Quels sont les frais pour une étudiante marocaine ?", "Morocco", False),
        ("Je viens du Maroc et je voudrais postuler", "Morocco", False),
        ("De nationalité indienne, puis-je m'inscrire ?", "India", False),
        ("Je suis belge", "Belgium", True),
        ("les frais pour les étudiants français", "France", True),
        ("Je suis un étudiant allemand", "Germany", True),
    ],
)
def test_french_nationality_statements(text: str, country: str, eea: bool) -> None:
    situation = situation_of(text)
    assert (situation.country, situation.eea) == (country, eea)


@pytest.mark.parametrize(
    "text", ["Le cours est-il en français ?", "J'habite au Maroc", "Hi, I am Maurice from Leuven"]
)
def test_a_french_language_or_a_place_of_living_names_no_citizenship(text: str) -> None:
    situation = detect_situation(text)
    assert situation is None or situation.eea is None


@pytest.mark.parametrize(
    ("text", "eea"),
    [
        ("I am an EU citizen", True),
        ("EU citizen, what is the deadline?", True),
        ("I'm European", True),
        ("I'm a European student", True),
        ("I'm from the EU", True),
        ("I am from the EEA", True),
        ("What is the fee for EEA students?", True),
        ("Ik ben een EU-burger", True),
        ("deadline EER-studenten", True),
        ("I'm a non-EU student", False),
        ("non-EEA fee?", False),
        ("I'm non-European", False),
        ("I'm from outside the EU", False),
        ("kost bme postgrad niet-EER", False),
        ("Wat is de deadline voor studenten van buiten de EU?", False),
        ("Ik ben een niet-EU-student", False),
    ],
)
def test_group_statements_without_a_country(text: str, eea: bool) -> None:
    situation = situation_of(text)
    assert (situation.country, situation.eea) == (None, eea)


@pytest.mark.parametrize(
    "text",
    [
        "I am not an EU citizen",
        "I'm not from the EU",
        "I don't have an EU passport",
        "I am not a European citizen",
        "Ik ben geen EU-burger",
        "Ik kom niet uit de EU",
    ],
)
def test_negated_eu_citizenship_is_non_eea(text: str) -> None:
    assert situation_of(text).category == "non-EEA"


@pytest.mark.parametrize("text", ["I'm not Belgian", "I am not from Germany", "Ik ben geen Belg"])
def test_negated_nationality_claims_nothing(text: str) -> None:
    assert detect_situation(text) is None


# Language words are not nationalities


@pytest.mark.parametrize(
    "text",
    [
        "Can I ask a question in Dutch?",
        "Is the programme Dutch-taught?",
        "Is the programme taught in Dutch or in English?",
        "I speak German",
        "I speak German and French",
        "What is the English proficiency requirement?",
        "Do I need an English certificate?",
        "Is there a Dutch version of the programme book?",
        "I'm a Dutch speaker",
        "I'm a native Dutch speaker",
        "I'm Dutch-speaking",
        "Is Chinese taught at KU Leuven?",
        "Kan ik een vraag in het Nederlands stellen?",
        "Ik spreek Nederlands",
        "Is de opleiding Nederlandstalig?",
        "Zijn er Nederlandse lessen?",
        "Wordt de opleiding in het Engels gegeven?",
    ],
)
def test_language_word_is_not_a_nationality(text: str) -> None:
    assert detect_situation(text) is None


def test_language_word_and_nationality_in_one_question() -> None:
    situation = situation_of("I speak German but I am Indian")
    assert (situation.country, situation.eea) == ("India", False)


# Residence in Belgium


def test_brazilian_with_belgian_residence_permit_gets_resident_category() -> None:
    situation = situation_of("As a Brazilian with a Belgian residence permit, when is my deadline?")
    assert situation == ApplicantSituation("Brazil", False, True, None)
    assert situation.category == RESIDENT


@pytest.mark.parametrize(
    "text",
    [
        "I'm Indian and I live in Belgium",
        "I am from India and have a residence permit",
        "I'm Nigerian, living in Leuven",
        "Indian citizen living in Brussels",
        "I'm a non-EU student with a residence permit",
        "I'm from Brazil and live in Leuven with a residence permit",
        "Ik ben Marokkaans en woon in België",
        "Ik kom uit Turkije en heb een verblijfsvergunning",
        "Ik woon in België met een verblijfsvergunning, ik ben Indiaas",
    ],
)
def test_non_eea_citizen_living_in_belgium_gets_resident_category(text: str) -> None:
    assert situation_of(text).category == RESIDENT


def test_eea_citizen_living_in_belgium_is_still_eea() -> None:
    situation = situation_of("I'm German but I live in Brussels")
    assert situation.resident_in_belgium is True
    assert situation.category == "EEA"


@pytest.mark.parametrize(
    "text",
    [
        "I'm Indian and I don't live in Belgium",
        "I am from India and do not have a residence permit",
        "I'm Indian and live in India",
        "I'm from Ghana, I live in the Netherlands",
    ],
)
def test_non_eea_citizen_not_living_in_belgium_is_plain_non_eea(text: str) -> None:
    situation = situation_of(text)
    assert situation.resident_in_belgium is False
    assert situation.category == "non-EEA"


def test_residence_without_citizenship_has_no_category() -> None:
    situation = situation_of("I live in Leuven")
    assert situation == ApplicantSituation(None, None, True, None)
    assert situation.category is None


def test_asking_about_a_residence_permit_is_not_having_one() -> None:
    assert detect_situation("Do I need a residence permit?") is None


def test_belgian_resident_is_not_a_belgian_citizen() -> None:
    situation = situation_of("I'm a Belgian resident from Brazil")
    assert situation.country == "Brazil"
    assert situation.category == RESIDENT


# Previous degree


@pytest.mark.parametrize(
    ("text", "flemish"),
    [
        ("I have a Flemish degree", True),
        ("I have a Flemish diploma", True),
        ("I studied in Flanders", True),
        ("I studied at KU Leuven", True),
        ("I have a bachelor's degree from Ghent University", True),
        ("Ik heb een Vlaams diploma", True),
        ("Ik heb in Vlaanderen gestudeerd", True),
        ("I don't have a Flemish degree", False),
        ("Ik heb geen Vlaams diploma", False),
        ("I'm an international student", False),
        ("Ik ben een internationale student", False),
        ("I have a foreign degree", False),
        ("I have a bachelor's degree from India", False),
        ("I studied in Brazil", False),
        ("I have an Indian master's degree", False),
    ],
)
def test_flemish_degree(text: str, flemish: bool) -> None:
    assert situation_of(text).flemish_degree is flemish


def test_international_student_says_nothing_about_citizenship() -> None:
    situation = situation_of("I'm an international student")
    assert situation == ApplicantSituation(None, None, False, False)
    assert situation.category is None


def test_degree_from_abroad_is_not_a_citizenship() -> None:
    situation = situation_of("I have a bachelor's degree from India")
    assert situation.eea is None


# Questions that say nothing about the person


@pytest.mark.parametrize(
    "text",
    [
        "What is the tuition fee?",
        "When is the deadline?",
        "Hoeveel ECTS is Biomedical Data Processing?",
        "Wat kost het?",
        "Tell us about the programme",
        "Is the diploma recognised in the EU?",
        "Is the diploma recognised outside the EU?",
        "What is the difference between the EEA and non-EEA fee?",
        "How many ECTS is Inleiding in Celbiologie en Anatomie van de Mens?",
        "Is the programme organised in Belgium?",
        "",
    ],
)
def test_question_without_personal_facts_gives_none(text: str) -> None:
    assert detect_situation(text) is None


# Several statements in one question


def test_own_nationality_outweighs_a_group_asked_about() -> None:
    situation = situation_of("I'm Indian. Is the fee for EU citizens lower?")
    assert (situation.country, situation.category) == ("India", "non-EEA")


def test_dual_nationality_with_an_eea_state_counts_as_eea() -> None:
    situation = situation_of("I have Dutch and Indian nationality")
    assert (situation.country, situation.category) == ("Netherlands", "EEA")


def test_nationality_and_negated_eu_citizenship_agree() -> None:
    situation = situation_of("I'm not an EU citizen, I'm from Brazil")
    assert (situation.country, situation.category) == ("Brazil", "non-EEA")


# Category, terms and description


@pytest.mark.parametrize(
    ("situation", "terms"),
    [
        (ApplicantSituation("India", False, False, None), ("non-EEA",)),
        (ApplicantSituation("Brazil", False, True, None), ("non-EEA", "residence permit")),
        (ApplicantSituation("Germany", True, True, None), ("EEA",)),
        (ApplicantSituation(None, True, False, True), ("EEA", "Flemish Degree")),
        (ApplicantSituation(None, None, False, False), ("international students",)),
        (ApplicantSituation(None, None, True, None), ()),
        (None, ()),
    ],
)
def test_category_terms(situation: ApplicantSituation | None, terms: tuple[str, ...]) -> None:
    assert category_terms(situation) == terms


@pytest.mark.parametrize(
    ("situation", "english", "dutch"),
    [
        (
            ApplicantSituation("India", False, False, None),
            "As a citizen of India, you count as a non-EEA applicant",
            "Als staatsburger van India val je onder de niet-EER-kandidaten",
        ),
        (
            ApplicantSituation("Netherlands", True, False, None),
            "As a citizen of the Netherlands, you count as an EEA applicant",
            "Als staatsburger van Nederland val je onder de EER-kandidaten",
        ),
        (
            ApplicantSituation(None, True, False, None),
            "As an EU/EEA citizen, you count as an EEA applicant",
            "Als EU/EER-burger val je onder de EER-kandidaten",
        ),
        (
            ApplicantSituation(None, False, True, None),
            "As a non-EEA citizen living in Belgium with a residence permit, you count as a "
            "non-EEA applicant with a valid residence permit",
            "Als niet-EER-burger met een Belgische verblijfsvergunning val je onder de "
            "niet-EER-kandidaten met een geldige verblijfsvergunning",
        ),
        (
            ApplicantSituation("Brazil", False, True, None),
            "As a citizen of Brazil living in Belgium with a residence permit, you count as a "
            "non-EEA applicant with a valid residence permit",
            "Als staatsburger van Brazilië met een Belgische verblijfsvergunning val je onder de "
            "niet-EER-kandidaten met een geldige verblijfsvergunning",
        ),
        (
            ApplicantSituation(None, None, False, False),
            "Without a Flemish degree, you follow the admission procedure for international "
            "students",
            "Zonder Vlaams diploma volg je de toelatingsprocedure voor internationale studenten",
        ),
        (ApplicantSituation(None, None, True, None), "", ""),
    ],
)
def test_describe(situation: ApplicantSituation, english: str, dutch: str) -> None:
    assert situation.describe() == english
    assert situation.describe("nl") == dutch


def test_situation_is_frozen() -> None:
    situation = ApplicantSituation("India", False, False, None)
    with pytest.raises(AttributeError):
        situation.eea = True  # type: ignore[misc]


def test_detection_is_fast() -> None:
    questions = [
        "I'm an Indian citizen living in Leuven with a residence permit; what is my deadline?",
        "Wat kost de postgraduaat voor niet-EER studenten?",
        "How many ECTS is Inleiding in Celbiologie en Anatomie van de Mens?",
        "What is the tuition fee for part-time students?",
    ]
    for question in questions:
        detect_situation(question)  # warm
    rounds = 200
    start = time.perf_counter()
    for _ in range(rounds):
        for question in questions:
            detect_situation(question)
    per_call = (time.perf_counter() - start) / (rounds * len(questions))
    assert per_call < 0.001
