"""The admissions office's saved answers: staff save what the documents do not say, a student
asking the same gets it, framed as the office's and cited as such; the documents come first;
a retired or expired answer is never given; every change keeps its author and time.

How often a differently worded question finds its saved answer is measured by
``python -m eval --staff-answers eval/staff-answers/saved.jsonl --cases
eval/staff-answers/cases.jsonl``; here, that it does at all."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from server import STAFF_TOKEN, serve_with_its_own_assistant

from assistant.config import Settings
from assistant.database.saved_answers import SavedAnswers
from assistant.errors import InputError, SavedAnswerNotFoundError

KUL_BME = "kul-biomedical-engineering-postgraduate"
STAFF = {"Authorization": f"Bearer {STAFF_TOKEN}"}
HOUSING = {
    "question": "Does the university help international students find housing?",
    "answer": "Yes. The housing service keeps a list of rooms for international students; "
    "write to it as soon as you are admitted.",
}


# --------------------------------------------------------------------------- the store


def test_every_change_keeps_its_author_and_what_the_answer_then_read(tmp_path: Path) -> None:
    store = SavedAnswers(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    saved = store.add("Can I pay in instalments?", "Yes, in five payments.", "Ann")
    store.update(saved.id, "Can I pay in instalments?", "Yes, in four payments.", "Bo")
    store.retire(saved.id, "Cy")

    history = store.history(saved.id)
    assert [(c.action, c.author, c.answer) for c in history] == [
        ("created", "Ann", "Yes, in five payments."),
        ("edited", "Bo", "Yes, in four payments."),
        ("retired", "Cy", "Yes, in four payments."),
    ]
    assert store.all() == [] and store.all(retired=True)[0].retired_at
    with pytest.raises(SavedAnswerNotFoundError):
        store.update(saved.id, "q", "a", "Di")  # a retired answer is not edited back to life


def test_an_answer_past_its_valid_until_date_is_not_in_use(tmp_path: Path) -> None:
    store = SavedAnswers(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    store.add("Welcome days?", "On 20 September.", "Ann", valid_until=dt.date(2026, 9, 30))

    assert store.in_use(dt.date(2026, 9, 30)) and not store.in_use(dt.date(2026, 10, 1))


@pytest.mark.parametrize(
    ("question", "answer", "author", "problem"),
    [
        ("", "a", "Ann", "needs the question and the answer"),
        ("q", "<b>bold</b>", "Ann", "not HTML"),
        ("q", "a", "  ", "author"),
    ],
)
def test_a_saved_answer_that_cannot_be_stored_is_refused_with_the_reason(
    tmp_path: Path, question: str, answer: str, author: str, problem: str
) -> None:
    store = SavedAnswers(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    with pytest.raises(InputError, match=problem):
        store.add(question, answer, author)


# --------------------------------------------------------------------------- through the API


@pytest.fixture(scope="module")
def office(index_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The API around the real assistant, whose saved answers are in this server's database."""
    with serve_with_its_own_assistant(index_settings, tmp_path_factory.mktemp("office")) as base:
        yield base


def ask(base: str, message: str, programme: str | None = None) -> dict[str, object]:
    response = httpx.post(
        f"{base}/api/chat", json={"message": message, "programme": programme}, timeout=60
    )
    assert response.status_code == 200, response.text
    return response.json()


def staff_citations(answer: dict[str, object]) -> list[dict[str, object]]:
    return [c for c in answer["citations"] if c["kind"] == "staff_answer"]  # type: ignore[union-attr, index]


def test_saving_needs_staff(office: str) -> None:
    assert httpx.post(f"{office}/api/staff-answers", json=HOUSING).status_code == 401
    assert httpx.get(f"{office}/api/staff-answers").status_code == 401


def test_a_saved_answer_reaches_a_student_who_asks_the_same_until_it_is_retired(
    office: str,
) -> None:
    asked = "does the university help international students to find housing?"
    before = ask(office, asked)
    assert not staff_citations(before)

    saved = httpx.post(f"{office}/api/staff-answers", json=HOUSING, headers=STAFF)
    assert saved.status_code == 201, saved.text
    answer_id = saved.json()["id"]

    answer = ask(office, asked)
    [citation] = staff_citations(answer)
    assert citation["id"] == answer_id and citation["url"] is None
    assert citation["author"] == "staff (shared token)"
    assert citation["date"] == dt.date.today().isoformat()
    assert "from the admissions office" in answer["text"] and HOUSING["answer"] in answer["text"]

    near_miss = ask(office, "How much is the deposit for a student room?")
    assert not staff_citations(near_miss)

    assert httpx.delete(f"{office}/api/staff-answers/{answer_id}", headers=STAFF).status_code == 204
    assert not staff_citations(ask(office, asked))
    history = httpx.get(f"{office}/api/staff-answers/{answer_id}", headers=STAFF).json()["history"]
    assert [c["action"] for c in history] == ["created", "retired"]


@pytest.mark.parametrize(
    "asked",
    [
        "I'm coming from abroad, will the uni help me get a place to live?",
        "any support for foreign students looking for accommodation??",
    ],
)
def test_a_student_asking_the_same_in_other_words_gets_the_saved_answer(
    office: str, asked: str
) -> None:
    saved = httpx.post(f"{office}/api/staff-answers", json=HOUSING, headers=STAFF).json()

    answer = ask(office, asked)

    assert [c["id"] for c in staff_citations(answer)] == [saved["id"]]
    httpx.delete(f"{office}/api/staff-answers/{saved['id']}", headers=STAFF)


def test_where_the_reader_is_not_sure_the_documents_answer_the_saved_answer_does(
    office: str,
) -> None:
    asked = "can I pay the fee in two parts?"
    before = ask(office, asked, KUL_BME)
    assert before["answered"] and not staff_citations(before)  # the fee sentences, unsure
    two_parts = {
        "question": "Can I pay the fee in two parts?",
        "answer": "Yes: in five monthly payments from October, by direct debit.",
    }
    saved = httpx.post(f"{office}/api/staff-answers", json=two_parts, headers=STAFF).json()

    answer = ask(office, asked, KUL_BME)

    assert [c["id"] for c in staff_citations(answer)] == [saved["id"]]
    assert "4400" not in answer["text"] and "“Can I pay the fee in two parts?”" in answer["text"]
    httpx.delete(f"{office}/api/staff-answers/{saved['id']}", headers=STAFF)


@pytest.mark.parametrize(
    "saved_question", ["What is the tuition fee of the BME postgrad?", "What is the tuition fee?"]
)
def test_the_documents_answer_comes_first_where_they_have_one(
    office: str, saved_question: str
) -> None:
    saved = {"question": saved_question, "answer": "Ask us."}
    created = httpx.post(f"{office}/api/staff-answers", json=saved, headers=STAFF)
    assert created.status_code == 201

    answer = ask(office, "What is the tuition fee?", KUL_BME)

    assert "4400 euro" in answer["text"] and not staff_citations(answer)
    httpx.delete(f"{office}/api/staff-answers/{created.json()['id']}", headers=STAFF)


def test_an_unknown_saved_answer_is_404(office: str) -> None:
    response = httpx.put(f"{office}/api/staff-answers/999999", json=HOUSING, headers=STAFF)
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "not_found"


def test_a_staff_draft_gives_the_saved_answer_and_marks_it_for_a_glance(office: str) -> None:
    dogs = {
        "question": "Can I bring my dog to the lectures?",
        "answer": "Only assistance dogs are allowed in the lecture halls.",
    }
    created = httpx.post(f"{office}/api/staff-answers", json=dogs, headers=STAFF)
    email = "Dear admissions office,\n\nCan I bring my dog to the lectures?\n\nKind regards,\nAna"

    draft = httpx.post(f"{office}/api/draft-reply", json={"email": email}, headers=STAFF).json()

    assert dogs["answer"] in draft["reply"]
    assert f"saved answer #{created.json()['id']} (staff (shared token)" in draft["reply"]
    assert "TO CHECK BY STAFF" in draft["reply"] and not draft["unanswered"]
    httpx.delete(f"{office}/api/staff-answers/{created.json()['id']}", headers=STAFF)


def test_the_saved_question_in_its_own_words_is_surer_than_asking_which_programme(
    office: str,
) -> None:
    asked = "can i bring my dog to the lectures"
    assert ask(office, asked)["clarification"]  # the documents alone ask which programme
    saved = {
        "question": "Can I bring my dog to the lectures?",
        "answer": "Only assistance dogs are allowed in the lecture halls.",
    }
    created = httpx.post(f"{office}/api/staff-answers", json=saved, headers=STAFF)

    answer = ask(office, asked)

    assert [c["id"] for c in staff_citations(answer)] == [created.json()["id"]]
    assert not answer["clarification"]
    httpx.delete(f"{office}/api/staff-answers/{created.json()['id']}", headers=STAFF)
