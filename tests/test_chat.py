"""Conversation: follow-ups keep the thread, Dutch is understood, emails get a reply draft."""

from __future__ import annotations

import pytest

from assistant.conversation.assistant import Assistant, Turn
from assistant.conversation.emails import sender_name, split_email
from assistant.understanding.query import resolved_ordinal


def test_follow_up_keeps_programme_and_topic(assistant: Assistant) -> None:
    history = [
        Turn("user", "What is the tuition fee for EEA students in the BME postgraduate?"),
        Turn(
            "assistant", "EEA student: 840 euro (full-time registration) and 564 euro (part-time)."
        ),
    ]
    answer = assistant.ask("And what about non-EEA students?", history)
    assert answer.answered
    assert "4400" in answer.text
    assert "tuition fee" in answer.standalone_question


def test_a_follow_up_changing_the_study_mode_keeps_the_topic(assistant: Assistant) -> None:
    history = [
        Turn("user", "How much is the BME postgraduate for a non-EEA student?"),
        Turn("assistant", "A non-EEA student pays 4400 euro for a full-time registration."),
    ]
    answer = assistant.ask("And if I enrol part-time?", history)
    assert "2200" in answer.text


def test_dutch_question_is_answered_with_dutch_framing(assistant: Assistant) -> None:
    answer = assistant.ask(
        "Wat kost het inschrijvingsgeld voor niet-EER studenten in het BME postgraduaat?"
    )
    assert answer.language == "nl"
    assert "4400" in answer.text
    assert answer.text.startswith("Voor de")


def test_email_questions_are_split_and_answered_with_gaps_marked(assistant: Assistant) -> None:
    email = (
        "Dear admissions team,\n\nI am from Nigeria and interested in the Postgraduate Programme in "
        "Biomedical Engineering. What is the application deadline for me, and how much is the "
        "tuition fee? Also, do you offer scholarships?\n\nKind regards,\nAde"
    )
    draft = assistant.draft_reply(email)
    assert len(draft.questions) == 3
    assert "1 March" in draft.text and "4400" in draft.text
    assert draft.unanswered == ("do you offer scholarships?",)
    assert "TO COMPLETE BY STAFF" in draft.text


def test_split_email_separates_questions_from_context() -> None:
    questions, context = split_email("Hi, I'm Brazilian. When is the deadline? Thanks, Ana")
    assert questions == ["When is the deadline?"]
    assert "Brazilian" in context


def test_a_question_saying_it_keeps_the_statement_before_it() -> None:
    questions, _ = split_email(
        "Dear team,\n\nI saw there is a course on implants. How many ECTS is it?\n\nBest, Jo"
    )
    assert questions == ["I saw there is a course on implants. How many ECTS is it?"]


def test_an_email_that_asks_in_no_question_form_is_asked_as_a_whole(
    assistant: Assistant,
) -> None:
    email = (
        "Dear admissions office,\n\nI am interested in the tuition fee for non-EU students of "
        "the BME postgraduate programme.\n\nKind regards,\nAna"
    )
    asked, context = split_email(email)
    assert asked == [
        "I am interested in the tuition fee for non-EU students of the BME postgraduate programme."
    ]
    assert context == ""
    assert "4400 euro" in assistant.draft_reply(email).text


def test_split_email_splits_a_question_joined_by_and_a_preposition() -> None:
    questions, _ = split_email(
        "Hi,\n\nWhen will the timetable be published, and on which campus will my classes be?\n\nTomás"
    )
    assert questions == [
        "When will the timetable be published?",
        "on which campus will my classes be?",
    ]


def test_two_questions_in_one_message_are_both_answered(assistant: Assistant) -> None:
    answer = assistant.ask(
        "Is the Leiden biomedical master taught fully in English? And is it still online because of COVID?"
    )
    assert "The entire programme is taught in English." in answer.text
    assert "COVID-19" in answer.text
    quotes = [c.quote for c in answer.citations]
    assert len(quotes) == len(set(quotes))
    assert f"[{len(quotes)}]" in answer.text and f"[{len(quotes) + 1}]" not in answer.text
    assert answer.programme == "leiden-biomedical-sciences-master"


def test_two_questions_stream_as_the_answer_they_make(assistant: Assistant) -> None:
    message = "When is the non-EEA deadline for the BME postgrad? And what is the non-EEA fee?"
    *deltas, answer = list(assistant.stream(message))
    assert "".join(str(d) for d in deltas) == answer.text == assistant.ask(message).text
    assert "1 March" in answer.text and "4400" in answer.text


def test_asking_for_another_option_skips_what_was_just_said(assistant: Assistant) -> None:
    history = [
        Turn("user", "What tracks does the Leiden research master have?"),
        Turn(
            "assistant",
            "Neurosciences; Immunity, Infectious Disease and Tolerance; Data@work "
            "(data-driven research); and Cancer Pathogenesis and Therapy.",
        ),
    ]
    answer = assistant.ask("Hmm, none of those really fit me. Any other option?", history)
    assert "design your own track" in answer.text
    assert "Neurosciences" not in answer.text


def test_a_condition_before_the_question_is_not_split_off() -> None:
    questions, _ = split_email(
        "If I do the BME postgrad part-time, do I pay the same fee in year two?"
    )
    assert questions == ["If I do the BME postgrad part-time, do I pay the same fee in year two?"]


@pytest.mark.parametrize(
    "asked",
    [
        "I hold a B.Sc. in physics, can I apply?",
        "My GPA is 3.1 out of 4, do I qualify for the Leiden master?",
        "I'm from Pakistan, what documents do I need?",
    ],
)
def test_what_the_asker_says_of_themselves_stays_with_the_question_it_leads_to(asked: str) -> None:
    assert split_email(asked)[0] == [asked]


def test_a_request_before_a_question_is_an_ask_of_its_own() -> None:
    questions, _ = split_email("I'd like to know the fee, and when is the deadline?")

    assert questions == ["I'd like to know the fee?", "when is the deadline?"]


def test_a_statement_before_a_question_does_not_join_the_asks_that_follow() -> None:
    questions, _ = split_email(
        "I'm new to the BME postgraduate programme. Which faculty runs it, and on which campus "
        "are the classes?"
    )

    assert questions == [
        "I'm new to the BME postgraduate programme. Which faculty runs it?",
        "on which campus are the classes?",
    ]


def test_two_questions_in_one_sentence_are_answered_as_two(assistant: Assistant) -> None:
    answer = assistant.ask(
        "What is the non-EEA fee for the BME postgrad, and when is the non-EEA deadline?"
    )
    assert "4400" in answer.text and "1 March" in answer.text
    assert answer.text.count("Postgraduate Programme in Biomedical Engineering (KU Leuven)") == 1


def test_the_first_one_is_the_first_item_of_the_list_just_given(assistant: Assistant) -> None:
    history = [
        Turn("user", "Which extra electives does the BME postgrad list?"),
        Turn(
            "assistant",
            "The list contains Bioinformatics, Medical Equipment and Regulatory Affairs.",
        ),
    ]
    answer = assistant.ask("How many credits is the last one?", history)
    assert "Regulatory Affairs" in answer.standalone_question
    assert "Regulatory Affairs (H0N43A): 3 ECTS" in answer.text


def test_an_ordinal_that_names_no_list_item_is_left_alone() -> None:
    reply = "The tracks: “Neurosciences” [1] “Data@work (data-driven research)” [2]"
    assert resolved_ordinal("Is the first year hard?", reply) == "Is the first year hard?"
    assert resolved_ordinal("and the second one?", reply) == "and Data@work (data-driven research)?"


def test_a_staff_draft_greets_the_signer_answers_once_and_marks_dated_figures(
    assistant: Assistant,
) -> None:
    draft = assistant.draft_reply(
        "Hello,\n\nI'm from Kenya. What is the tuition fee for the BME postgraduate full-time? "
        "How much would the BME postgraduate cost me per year full-time?\n\nKind regards,\nAmina Otieno"
    )
    assert draft.text.startswith("Dear Amina Otieno,")
    assert draft.text.count("“non-EEA student: 4400 euro") == 2  # the answer, then its source
    assert (
        "[TO CHECK BY STAFF: the figures above come from the documents for the academic year 2024-2025"
        in draft.text
    )
    assert "please confirm" not in draft.text


@pytest.mark.parametrize(
    "closing",
    ["Thank you very much for your time.", "Many thanks and have a nice day!", "Thanks a lot!"],
)
def test_the_signer_is_found_on_the_line_after_a_closing_line(closing: str) -> None:
    assert sender_name(f"Hello,\n\nWhat is the fee?\n\n{closing}\n\nMaria Lopez") == "Maria Lopez"
    assert sender_name(f"Hello,\n\nWhat is the fee?\n\n{closing}\nMaria Lopez") == "Maria Lopez"


def test_a_lead_in_is_no_question_and_a_year_is_checked_once(assistant: Assistant) -> None:
    draft = assistant.draft_reply(
        "Hello,\n\nCould you please tell me:\n1. the tuition fee for the BME postgraduate\n"
        "2. the application deadline\n\nThank you very much for your time.\n\nMaria Lopez"
    )

    assert draft.questions == (
        "the tuition fee for the BME postgraduate",
        "the application deadline",
    )
    assert draft.text.startswith("Dear Maria Lopez,")
    assert "TO COMPLETE BY STAFF" not in draft.text
    assert draft.text.count("TO CHECK BY STAFF") == 1


def test_an_unsigned_email_is_answered_to_the_applicant() -> None:
    assert sender_name("What is the fee?\n\nThanks!") is None
    assert sender_name("What is the fee?\n\nBest,\nJo") == "Jo"
    assert sender_name("What is the fee?\nBest regards, Ana Souza") == "Ana Souza"


@pytest.mark.parametrize(
    ("email", "name"),
    [
        (
            "Beste,\n\nWat kost de opleiding?\n\nMet vriendelijke groet,\nJan de Vries",
            "Jan de Vries",
        ),
        ("Bonjour,\nIs the programme taught in English?\nMerci, Claire", "Claire"),
        ("Hallo,\nWhat is the fee?\n\nMit freundlichen Grüßen\nLukas Müller", "Lukas Müller"),
        ("Hola,\nWhat is the fee?\nSaludos,\nLucía Gómez", "Lucía Gómez"),
    ],
)
def test_an_email_signed_in_another_language_is_greeted_by_name(email: str, name: str) -> None:
    assert sender_name(email) == name
    questions, rest = split_email(email)
    assert len(questions) == 1 and name not in questions[0] and name not in rest


def test_a_request_without_a_question_mark_is_a_question_in_english_and_dutch() -> None:
    english, _ = split_email(
        "Hello,\nI'd like to know the tuition fee. I am from Kenya.\nBest,\nJo"
    )
    dutch, rest = split_email(
        "Beste,\nIk wil graag weten wat het collegegeld is. Ik kom uit Kenia.\n"
        "Met vriendelijke groet,\nJan"
    )
    assert english == ["I'd like to know the tuition fee."]
    assert dutch == ["Ik wil graag weten wat het collegegeld is."]
    assert rest == "Ik kom uit Kenia."


def test_thanks_that_open_an_email_or_ask_on_are_not_its_closing() -> None:
    email = (
        "Thanks for your quick reply!\nWhat is the fee? And when is the deadline?\n"
        "Thanks again. Is there a scholarship?\n\nBest,\nJo"
    )
    questions, _ = split_email(email)
    assert questions == ["What is the fee?", "when is the deadline?", "Is there a scholarship?"]
    assert sender_name(email) == "Jo"


def test_who_asks_holds_for_every_question_of_an_email_even_when_said_inside_one(
    assistant: Assistant,
) -> None:
    draft = assistant.draft_reply(
        "Hello,\n\nI will graduate in mechanical engineering this summer. As someone with a "
        "Flemish degree, how do I apply for the BME postgraduate? And what is the deadline?\n\n"
        "Best regards,\nAn Peeters"
    )
    assert "15 September" in draft.text
    assert "1 March" not in draft.text  # the deadline of applicants with a foreign degree


def test_a_question_repeated_in_an_email_is_answered_once(assistant: Assistant) -> None:
    asked = "How much is the tuition fee for non-EEA students in the BME postgraduate?"
    email = f"Dear team,\n\n{asked}\n{asked.upper()}\n{asked.replace(' ', '  ')}\n\nBest,\nAde"

    draft = assistant.draft_reply(email)

    assert draft.questions == (asked,) and len(draft.answers) == 1
    assert draft.text.split("Sources:")[0].count("4400") == 1


def test_a_fee_asked_about_twice_in_other_words_is_stated_once(assistant: Assistant) -> None:
    draft = assistant.draft_reply(
        "Dear team,\n\nHow much does the BME postgraduate cost? I am from Kenya. Also, what are "
        "the tuition fees for international students?\n\nBest,\nWanjiru"
    )

    assert len(draft.questions) == 2 and all(a.answered for a in draft.answers)
    body, sources = draft.text.split("Sources:")
    assert body.count("4400 euro") == 1
    assert sources.count("4400 euro") == 1
    assert all(f"[{n}]" in body for n in range(1, sources.count("\n[") + 1))  # each cited


def test_an_email_of_many_questions_gets_twenty_answered_and_the_rest_listed_for_staff(
    assistant: Assistant,
) -> None:
    distinct = [f"Is course number {n} taught in English?" for n in range(1, 26)]
    email = "Hello,\n\n" + "\n".join(["How much?"] * 588 + distinct) + "\n\nThanks,\nAde"

    draft = assistant.draft_reply(email)

    assert len(draft.questions) == 20 and draft.questions[0] == "How much?"
    left = distinct[19:]
    assert all(q in draft.unanswered for q in left)
    assert f"this email asks {len(left)} more questions" in draft.text
    assert all(f"“{q}”" in draft.text for q in left)


@pytest.mark.parametrize(
    "asked",
    [
        "My IELTS overall is 6.5 but my writing was 5.5 - is that enough?",
        "Is my B.Pharm from Karachi accepted for the Leiden master?",
        "With a B.Sc. in physics can I apply to the BME postgraduate?",
        "Do you accept other tests, e.g. the Duolingo English test?",
        "Can I send my documents to Dr. Peeters by email?",
        "Is the deadline for students from the U.S. the same?",
    ],
)
def test_a_dot_inside_a_number_or_an_abbreviation_does_not_end_a_question(asked: str) -> None:
    assert split_email(asked)[0] == [asked]


def test_a_dot_that_ends_a_sentence_still_ends_it() -> None:
    asked = "I finished my B.Sc. last year. What is the fee? And is there a scholarship?"

    assert split_email(asked)[0] == ["What is the fee?", "is there a scholarship?"]


def test_a_lead_in_is_not_a_question_and_its_list_items_are() -> None:
    email = (
        "Dear Admissions team,\n\nCould you please tell me:\n"
        "1. what the tuition fee is for a full-time student from India,\n"
        "2. by which date I have to apply, and\n"
        "3. whether there is any scholarship for students from outside Europe?\n\n"
        "Thank you in advance,\nArjun Mehta"
    )

    questions, _ = split_email(email)

    assert questions == [
        "what the tuition fee is for a full-time student from India",
        "by which date I have to apply",
        "whether there is any scholarship for students from outside Europe?",
    ]


@pytest.mark.parametrize(
    "closing",
    ["Thank you very much for your time.", "Many thanks and have a nice day!", "Thanks a lot!"],
)
def test_the_signer_is_found_after_any_closing_line(closing: str) -> None:
    email = f"Hello,\n\nWhat is the fee?\n\n{closing}\nBest regards,\nAna Souza"

    assert sender_name(email) == "Ana Souza"


# --------------------------------------------------------------------------- several asks, several programmes


def test_a_lead_in_naming_the_programme_stays_with_its_question_and_a_bare_question_counts() -> (
    None
):
    questions, context = split_email(
        "For the Leiden research master, what IELTS score do I need and is TOEFL accepted too? "
        "also how much is tuition"
    )

    assert questions == [
        "For the Leiden research master, what IELTS score do I need?",
        "is TOEFL accepted too?",
        "how much is tuition",
    ]
    assert context == ""


def test_each_ask_is_about_the_programme_it_names_or_the_one_named_before_it(
    assistant: Assistant,
) -> None:
    answer = assistant.ask(
        "For the Leiden research master, what IELTS score do I need and is TOEFL accepted too? "
        "also how much is tuition"
    )

    assert "IELTS - 6.0" in answer.text and "18,016" in answer.text
    assert {c.source for c in answer.citations} == {"leiden-biomedical-sciences-master"}


@pytest.mark.parametrize(
    "message",
    [
        "How much is the tuition for the Leiden biomedical sciences master? "
        "And what about the Leuven BME postgraduate?",
        "What's the fee for the BME postgrad? And for Leiden?",
    ],
)
def test_an_ask_naming_only_another_programme_asks_the_same_about_it(
    assistant: Assistant, message: str
) -> None:
    answer = assistant.ask(message)

    assert "18,016" in answer.text and "4400" in answer.text
    assert {c.source for c in answer.citations} == {
        "leiden-biomedical-sciences-master",
        "kul-biomedical-engineering-postgraduate",
    }


def test_an_ask_with_a_topic_of_its_own_keeps_it_after_another_programme(
    assistant: Assistant,
) -> None:
    answer = assistant.ask(
        "What is the tuition fee of the BME postgraduate? Is there a student bar at Leiden?"
    )

    assert "4400" in answer.text
    assert answer.gaps == 1 and "18,016" not in answer.text


def test_an_email_whose_questions_name_different_programmes_answers_each_from_its_own(
    assistant: Assistant,
) -> None:
    draft = assistant.draft_reply(
        "Dear admissions office,\n\nI am weighing two KU Leuven programmes. Which "
        "specializations does the medical physics certificate offer? And what is the tuition fee "
        "of the BME postgraduate for non-EEA students?\n\nKind regards,\nSam"
    )

    assert "4400" in draft.text
    assert {c.source for c in draft.citations} == {
        "kul-medical-physics-certificate",
        "kul-biomedical-engineering-postgraduate",
    }
