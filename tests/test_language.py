"""Language detection of short questions, and the Dutch-to-English glossary rewrite."""

from __future__ import annotations

import pytest

from assistant.answering.answer import Answer
from assistant.conversation.assistant import Assistant
from assistant.conversation.replies import in_served_language
from assistant.understanding.language import detect_language, to_english, unserved_language

ENGLISH_QUESTIONS = [
    "What does the programme cost?",
    "When is the deadline?",
    "How many ECTS is Biomedical Data Processing?",
    "Do I get a diploma?",
    "How many ECTS is Inleiding in Celbiologie en Anatomie van de Mens?",
    "Is H0H08A Inleiding in Celbiologie en Anatomie van de Mens taught in English?",
    "What is the tuition fee for non-EEA students?",
    "Can I follow the programme part time?",
    "Where are the classes held?",
    "Who is the coordinator?",
    "When will the invoice be sent?",
    "Is there an internship?",
    "What are the admission requirements?",
    "How long does the programme take?",
    "Which courses are compulsory?",
    "fee bme postgrad",
    "deadline non-EEA",
    "Can I take Weefselmechanica as an elective?",
    "What is Modellering van Weefselfysiologie about?",
    "Is the programme taught in Dutch?",
    "How much is the part-time registration?",
    "What language are the courses in?",
    "I'm from India, when should I apply?",
    "Do I need an English proficiency certificate?",
    "When does the academic year start?",
    "Is there a graduation ceremony?",
    "What career opportunities are there?",
    "Can I register on location at the registration office?",
    "What documents do I need to apply?",
    "How do I contact the programme?",
    "Where can I find the timetable?",
    "Are classes in the evening?",
    "Is the minimum registration fee 564 euro?",
    "tuition fee for EEA students",
    "Thanks!",
    "Tell me about the curriculum",
    "What happens after I receive the acceptance letter?",
    "Does the programme give a degree?",
    "Is Biomaterials I an elective course?",
    "What is the fee if I take 41 credits?",
    "Can I study at campus Gasthuisberg?",
    "Hi, I have a question about the postgraduate programme",
    "How about the LUMC programme?",
    "and for part-time students?",
    "what about the deadline for EEA citizens",
    "Inleiding in celbiologie en anatomie van de mens: how many credits?",
    "how many credits is inleiding in celbiologie en anatomie van de mens",
    "Who do I email about registration?",
    "Is it possible to do the programme in two years?",
    "Are the courses given on campus Arenberg?",
    "What's the fee for students from Morocco?",
    "Can I combine it with a job?",
    "Does Human System Physiology have an exam?",
    "Do I need a master degree to enter?",
    "what if my bachelor is in physics",
    "Registration for 2023-2024 closed?",
    "When is the graduation?",
    "Is Bioinformatics compulsory?",
    "Which campus?",
    "part-time?",
    "Any scholarships?",
    "Who teaches Medical Equipment?",
]

DUTCH_QUESTIONS = [
    "Wat kost het?",
    "Krijg ik een diploma?",
    "Wanneer is de deadline?",
    "Hoeveel ECTS is Biomedical Data Processing?",
    "kost bme postgrad niet-EER",
    "Hoeveel studiepunten is Inleiding in Celbiologie en Anatomie van de Mens?",
    "Wat is het inschrijvingsgeld voor niet-EER studenten?",
    "Kan ik de opleiding deeltijds volgen?",
    "Waar vinden de lessen plaats?",
    "Wie is de coördinator?",
    "Wanneer wordt de factuur verstuurd?",
    "Is er een stage?",
    "Wat zijn de toelatingsvoorwaarden?",
    "Hoe lang duurt de opleiding?",
    "Welke vakken zijn verplicht?",
    "inschrijvingsgeld deeltijds",
    "uiterste datum aanmelding",
    "Mag ik Weefselmechanica als keuzevak nemen?",
    "Waarover gaat Modellering van Weefselfysiologie?",
    "Wordt de opleiding in het Engels gegeven?",
    "Hoeveel kost een deeltijdse inschrijving?",
    "In welke taal zijn de vakken?",
    "Ik kom uit India, wanneer moet ik me aanmelden?",
    "Heb ik een taaltest nodig?",
    "Wanneer begint het academiejaar?",
    "Is er een proclamatie?",
    "Welke jobs kan ik daarna doen?",
    "Kan ik me ter plaatse inschrijven?",
    "Welke documenten heb ik nodig?",
    "Hoe kan ik contact opnemen?",
    "Waar vind ik het lessenrooster?",
    "Zijn de lessen overdag?",
    "Is het minimale inschrijvingsgeld 564 euro?",
    "collegegeld EER",
    "Bedankt!",
    "Vertel me iets over het programma",
    "Wat gebeurt er na de toelatingsbrief?",
    "Geeft de opleiding een diploma?",
    "Is Biomaterials I een keuzevak?",
    "Wat als ik 41 studiepunten opneem?",
    "Kan ik op campus Gasthuisberg studeren?",
    "Hallo, ik heb een vraag over de postgraduaat",
    "En de opleiding aan het LUMC?",
    "en voor deeltijdse studenten?",
    "hoe zit het met de deadline voor EER-burgers",
    "Wat is de tuition fee voor non-EEA students?",
    "Hoeveel studiepunten telt H03I2A?",
    "Moet ik een master hebben om te starten?",
    "Is het mogelijk om het programma in twee jaar te doen?",
    "Wie moet ik mailen voor de inschrijving?",
    "Heeft Human System Physiology een examen?",
    "wat als mijn bachelor in fysica is",
    "Zijn de vakken op campus Arenberg?",
    "Kan ik dit combineren met een job?",
    "Wanneer is de proclamatie?",
    "Hoeveel betaal ik als Marokkaan?",
    "Ik heb een vraag",
    "Geldt dit ook voor deeltijdse studenten?",
    "Wat zijn de vereisten?",
    "Welke campus?",
    "deeltijds?",
    "Zijn er beurzen?",
    "Wie geeft Medical Equipment?",
]


@pytest.mark.parametrize("question", ENGLISH_QUESTIONS)
def test_english_question_is_detected(question: str) -> None:
    assert detect_language(question) == "en"


@pytest.mark.parametrize("question", DUTCH_QUESTIONS)
def test_dutch_question_is_detected(question: str) -> None:
    assert detect_language(question) == "nl"


def test_accuracy_on_the_question_lists_is_complete() -> None:
    labelled = [(q, "en") for q in ENGLISH_QUESTIONS] + [(q, "nl") for q in DUTCH_QUESTIONS]
    assert len(ENGLISH_QUESTIONS) >= 40 and len(DUTCH_QUESTIONS) >= 40
    correct = sum(detect_language(question) == label for question, label in labelled)
    assert correct / len(labelled) == 1.0


@pytest.mark.parametrize("text", ["", "   ", "?", "H03I2A", "BME", "2024-2025", "ok"])
def test_text_without_language_evidence_defaults_to_english(text: str) -> None:
    assert detect_language(text) == "en"


def test_dutch_course_name_inside_english_question_stays_english() -> None:
    question = "Is Inleiding in Celbiologie en Anatomie van de Mens compulsory?"
    assert detect_language(question) == "en"


def test_english_course_name_inside_dutch_question_stays_dutch() -> None:
    question = "Is Biomedical Data Processing een verplicht vak?"
    assert detect_language(question) == "nl"
    assert unserved_language(question) is None


OTHER_LANGUAGE_QUESTIONS = [
    ("Quel est le prix du programme pour les étudiants?", "French"),
    ("Je voudrais savoir les frais d'inscription pour le master", "French"),
    ("Wie viel kostet das Studium?", "German"),
    ("Brauche ich ein Sprachzertifikat?", "German"),
    ("¿Cuál es la fecha límite para inscribirse?", "Spanish"),
]


@pytest.mark.parametrize(("question", "language"), OTHER_LANGUAGE_QUESTIONS)
def test_question_in_another_language_is_named_and_answered_in_english(
    question: str, language: str
) -> None:
    assert unserved_language(question) == language
    assert detect_language(question) == "en"


@pytest.mark.parametrize("question", ENGLISH_QUESTIONS + DUTCH_QUESTIONS)
def test_english_and_dutch_questions_are_served(question: str) -> None:
    assert unserved_language(question) is None


@pytest.mark.parametrize("text", ["ielts leiden", "mp cert specialisations", "Bedankt!", "ok"])
def test_keywords_and_short_text_are_not_read_as_another_language(text: str) -> None:
    assert unserved_language(text) is None


DRAFT = Answer("The tuition fee is 4400 euro.", True, language="en")


@pytest.mark.parametrize(
    "question", ["Combien coûte le programme?", "Wie viel kostet das Studium?"]
)
def test_reply_to_another_language_names_the_served_languages_in_english(question: str) -> None:
    reply = in_served_language(question, DRAFT)
    first_line = reply.text.split("\n")[0]
    assert first_line.startswith("I can answer in English or Dutch")
    assert reply.text.endswith(DRAFT.text)
    assert reply.language == "en"


def test_reply_to_an_english_or_dutch_question_has_no_language_note() -> None:
    assert in_served_language("Wat kost het?", DRAFT) is DRAFT
    assert in_served_language("What does it cost?", DRAFT) is DRAFT


NOTE = "I can answer in English or Dutch (Nederlands)."


def test_a_message_in_another_language_names_the_served_languages_once(
    assistant: Assistant,
) -> None:
    message = "Combien coûte le programme BME? Et quelle est la date limite d'inscription?"
    answer = assistant.ask(message)
    streamed = list(assistant.stream(message))
    assert answer.text.startswith(NOTE) and answer.text.count(NOTE) == 1
    assert "".join(d for d in streamed if isinstance(d, str)) == streamed[-1].text
    assert streamed[-1].text.startswith(NOTE) and streamed[-1].text.count(NOTE) == 1


def test_a_staff_draft_of_an_email_in_another_language_names_the_served_languages_once(
    assistant: Assistant,
) -> None:
    draft = assistant.draft_reply(
        "Bonjour,\n\nCombien coûtent les frais de scolarité du programme BME pour les étudiants "
        "non-EEE? Quelle est la date limite d'inscription?\n\nMerci, Claire"
    )
    assert len(draft.questions) == 2
    assert draft.text.startswith("Dear Claire,") and draft.text.count(NOTE) == 1


@pytest.mark.parametrize(
    ("question", "terms"),
    [
        ("Quels sont les frais de scolarité pour un étudiant marocain ?", "tuition fee"),
        ("Quelles sont les conditions d'admission ?", "admission requirements"),
        ("Quelle est la date limite d'inscription ?", "application deadline"),
        ("Le programme est-il enseigné en anglais ?", "taught in English"),
    ],
)
def test_a_french_question_is_read_as_english_search_terms(question: str, terms: str) -> None:
    assert terms in to_english(question, "fr")


def test_a_french_fee_question_is_answered_in_english_after_the_note(
    assistant: Assistant,
) -> None:
    answer = assistant.ask(
        "Quels sont les frais de scolarité pour un étudiant marocain ?",
        [],
        "kul-biomedical-engineering-postgraduate",
    )

    assert answer.answered and answer.text.startswith(NOTE)
    assert "non-EEA student: 4400 euro" in answer.text  # "marocain": a non-EEA applicant
    assert "EEA student: 840 euro" not in answer.text.replace("non-EEA student", "")


@pytest.mark.parametrize(
    ("dutch", "english"),
    [
        ("Wat kost het?", "what tuition fee the"),
        ("Krijg ik een diploma?", "get I a diploma certificate degree"),
        ("Wanneer is de deadline?", "when is the application deadline"),
        ("kost bme postgrad niet-EER", "tuition fee bme postgrad non-EEA"),
        ("Hoeveel ECTS is Biomedical Data Processing?",
         "how many ECTS is Biomedical Data Processing"),
        ("Kan ik deeltijds studeren?", "can I part-time study"),
        ("Is er een voltijds traject?", "is a full-time track"),
        ("Wat is de uiterste datum voor aanmelden?", "what is the application deadline for"),
        ("Wat zijn de toelatingsvoorwaarden?", "what are the admission requirements"),
        ("Hoeveel studiepunten telt H03I2A?", "how many ECTS credits telt H03I2A"),
        ("Hoe lang duurt de opleiding?", "duration the programme"),
        ("Waar vinden de lessen plaats?", "where find the classes located"),
        ("Is er een stage?", "is a internship"),
        ("Moet ik Engels kennen?", "must I English proficiency IELTS TOEFL know"),
        ("Welke jobs kan ik doen?", "which career can I do"),
        ("Wie is de contactpersoon?", "who is the contact"),
        ("Waar vind ik het lessenrooster?", "where find I the schedule timetable"),
        ("Wanneer komt de factuur?", "when come the invoice"),
        ("inschrijvingsgeld EER", "tuition fee EEA"),
        ("Welke vakken zijn er?", "which courses are"),
        ("Hoeveel opleidingsonderdelen zijn er?", "how many courses are"),
        ("Hoeveel doctoraatsprogramma's zijn er?", "how many programmes are"),
        ("Waar vind ik de datum?", "where find I the date"),
        ("Waar ligt de nadruk?", "what is the emphasis"),
        ("Hoeveel studiepunten is Inleiding in Celbiologie en Anatomie van de Mens?",
         "how many ECTS credits is Inleiding in Celbiologie en Anatomie van de Mens"),
        ("Wat kost het voor niet-EER-studenten?", "what tuition fee the for non-EEA students"),
        ("Krijg ik een getuigschrift?", "get I a diploma certificate degree"),
        ("Wat is het collegegeld in België?", "what is the tuition fee in Belgium"),
    ],
)  # fmt: skip
def test_dutch_question_is_rewritten_with_the_glossary(dutch: str, english: str) -> None:
    assert to_english(dutch) == english


@pytest.mark.parametrize("word", ["H03I2A", "H0H08A", "564", "2024-2025", "Leuven", "BME"])
def test_unknown_words_codes_and_numbers_are_kept(word: str) -> None:
    assert to_english(f"Wat is {word}?") == f"what is {word}"


def test_compound_fee_word_outside_the_glossary_is_still_a_fee() -> None:
    assert to_english("Hoeveel is het inschrijfgeld?") == "how much is the tuition fee"


def test_repeated_expansion_is_not_repeated() -> None:
    assert to_english("kosten inschrijvingsgeld") == "tuition fee"


def test_dutch_questions_about_programmes_translate_their_subject_words() -> None:
    assert "comprises" in to_english("Uit hoeveel faculteiten bestaat de groep?")
    assert "how many years" in to_english("Hoeveel jaar duurt een doctoraat?")
    assert "biomedical sciences" in to_english("de master biomedische wetenschappen")
