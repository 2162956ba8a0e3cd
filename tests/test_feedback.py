"""Feedback: kept in a real SQLite file (WAL), exported as CSV to staff holding the token."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import sqlite3
import subprocess
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from server import ScriptedAssistant, serve_in_process, serve_in_thread

from assistant.config import Settings
from assistant.errors import InputError
from assistant.web.api import create_app
from assistant.web.api.security import STAFF_COOKIE
from assistant.web.feedback import CSV_BOM, EXPORT_COLUMNS, Feedback, FeedbackStore, record_feedback

STAFF_TOKEN = "staff-token-for-tests"


def settings_for(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_path": tmp_path / "var" / "feedback" / "feedback.sqlite3",
        "staff_token": STAFF_TOKEN,
        "rate_limit_per_minute": 0,
    }
    values.update(overrides)
    return Settings.model_validate(values)  # defaults and these values; no environment


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix(CSV_BOM))))


# --------------------------------------------------------------------------- the store


def test_feedback_is_stored_in_a_sqlite_file_in_wal_mode_in_a_new_folder(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "there" / "feedback.sqlite3"
    store = FeedbackStore(path)
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)

    feedback_id, _ = record_feedback(
        store,
        rating="down",
        question="How much is the fee?",
        answer="4400 euro",
        sources=["kul-biomedical-engineering-postgraduate"],
        comment="Which year?",
        programme="kul-biomedical-engineering-postgraduate",
        conversation_id="c0ffee",
    )

    assert path.is_file()
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        row = connection.execute(
            "SELECT id, created_at, rating, comment, question, answer, sources, programme,"
            " conversation_id FROM feedback"
        ).fetchone()
    assert row[0] == feedback_id
    assert before <= dt.datetime.fromisoformat(row[1]) <= dt.datetime.now(dt.UTC)
    assert row[2:] == (
        "down",
        "Which year?",
        "How much is the fee?",
        "4400 euro",
        "kul-biomedical-engineering-postgraduate",
        "kul-biomedical-engineering-postgraduate",
        "c0ffee",
    )


def test_a_file_from_before_programme_and_conversation_gets_those_columns(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute(
            "CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL,"
            " rating TEXT NOT NULL, comment TEXT NOT NULL DEFAULT '', question TEXT NOT NULL,"
            " answer TEXT NOT NULL, sources TEXT NOT NULL DEFAULT '')"
        )
        connection.execute(
            "INSERT INTO feedback VALUES (1, '2026-01-01T00:00:00+00:00', 'up', '', 'q', 'a', '')"
        )
    connection.close()

    record_feedback(FeedbackStore(path), rating="down", question="q2", answer="a2", programme="p")

    rows = read_csv(FeedbackStore(path).export_csv())
    assert [(r["question"], r["programme"]) for r in rows] == [("q", ""), ("q2", "p")]


def test_a_comment_can_be_added_to_a_thumbs_down_after_it_was_stored(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    feedback_id, _ = record_feedback(store, rating="down", question="q", answer="a")

    store.add_comment(feedback_id, "  It gave last year's fee.  ")

    [row] = read_csv(store.export_csv())
    assert (row["rating"], row["comment"]) == ("down", "It gave last year's fee.")


def test_a_second_store_on_the_same_file_sees_earlier_feedback(tmp_path: Path) -> None:
    path = tmp_path / "feedback.sqlite3"
    record_feedback(FeedbackStore(path), rating="up", question="q1", answer="a1")
    record_feedback(FeedbackStore(path), rating="down", question="q2", answer="a2")

    rows = read_csv(FeedbackStore(path).export_csv())

    assert [(r["rating"], r["question"]) for r in rows] == [("up", "q1"), ("down", "q2")]


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("rating", "sideways", "rating must be 'up' or 'down'"),
        ("comment", "x" * 2001, "comment is longer than 2000"),
        ("question", "x" * 20_001, "question is longer than 20000"),
        ("sources", tuple(f"doc-{i}" for i in range(21)), "at most 20 sources"),
        ("question", "", "the question is empty"),
        ("answer", " \n\t", "the answer is empty"),
    ],
)
def test_invalid_feedback_is_refused_with_the_reason(
    field: str, value: object, problem: str
) -> None:
    values: dict[str, object] = {"rating": "up", "question": "q", "answer": "a"}
    values[field] = value
    with pytest.raises(InputError, match=problem):
        Feedback(**values)  # type: ignore[arg-type]


def test_export_of_an_empty_store_is_just_the_header(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "missing.sqlite3")

    header = ",".join(f'"{name}"' for name in EXPORT_COLUMNS)
    assert store.export_csv().removeprefix(CSV_BOM).splitlines() == [header]
    assert not store.path.exists()


def test_export_defuses_cells_a_spreadsheet_would_run_as_formulas(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    record_feedback(store, rating="up", question="=HYPERLINK(1)", answer="+1", comment="@SUM(A1)")

    row = read_csv(store.export_csv())[0]

    assert (row["question"], row["answer"], row["comment"]) == (
        "'=HYPERLINK(1)",
        "'+1",
        "'@SUM(A1)",
    )


# --------------------------------------------------------------------------- over HTTP


@pytest.fixture
def feedback_server(tmp_path: Path) -> Iterator[tuple[str, Settings]]:
    settings = settings_for(tmp_path)
    with serve_in_thread(create_app(settings, ScriptedAssistant(), ui=False)) as base:
        yield base, settings


def test_posted_feedback_lands_in_the_database_and_in_the_staff_export(
    feedback_server: tuple[str, Settings],
) -> None:
    base, settings = feedback_server
    posted = httpx.post(
        f"{base}/api/feedback",
        json={
            "rating": "up",
            "comment": "clear, thanks",
            "question": "How much is the tuition fee?",
            "answer": "4400 euro for non-EEA students [1]",
            "sources": ["kul-biomedical-engineering-postgraduate"],
            "programme": "kul-biomedical-engineering-postgraduate",
            "conversation_id": "3f2a9c",
        },
    )
    assert posted.status_code == 201
    assert posted.json()["id"] == 1 and posted.json()["status"] == "stored"

    with sqlite3.connect(settings.database_path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert connection.execute("SELECT rating, comment FROM feedback").fetchall() == [
            ("up", "clear, thanks")
        ]

    export = httpx.get(
        f"{base}/api/feedback/export", headers={"Authorization": f"Bearer {STAFF_TOKEN}"}
    )
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    assert "attachment" in export.headers["content-disposition"]
    [row] = read_csv(export.text)
    assert row["question"] == "How much is the tuition fee?"
    assert row["answer"] == "4400 euro for non-EEA students [1]"
    assert row["sources"] == "kul-biomedical-engineering-postgraduate"
    assert row["programme"] == "kul-biomedical-engineering-postgraduate"
    assert row["conversation_id"] == "3f2a9c"


VOTE = {
    "rating": "down",
    "question": "How much is the tuition fee?",
    "answer": "840 euro [1]",
    "sources": ["kul-biomedical-engineering-postgraduate"],
}


def test_a_vote_is_stored_at_once_and_its_key_adds_the_comment_later(
    feedback_server: tuple[str, Settings],
) -> None:
    base, settings = feedback_server
    posted = httpx.post(f"{base}/api/feedback", json=VOTE).json()

    commented = httpx.patch(
        f"{base}/api/feedback/{posted['id']}",
        json={"key": posted["key"], "comment": "That is the EEA fee, I am from Brazil."},
    )

    assert commented.status_code == 200
    with sqlite3.connect(settings.database_path) as connection:
        assert connection.execute("SELECT rating, comment FROM feedback").fetchall() == [
            ("down", "That is the EEA fee, I am from Brazil.")
        ]


def test_a_comment_without_the_votes_key_is_404_and_changes_nothing(
    feedback_server: tuple[str, Settings],
) -> None:
    base, settings = feedback_server
    first = httpx.post(f"{base}/api/feedback", json=VOTE).json()
    second = httpx.post(f"{base}/api/feedback", json=VOTE).json()

    wrong_key = httpx.patch(
        f"{base}/api/feedback/{first['id']}", json={"key": second["key"], "comment": "spam"}
    )
    no_such_vote = httpx.patch(
        f"{base}/api/feedback/999", json={"key": first["key"], "comment": "spam"}
    )

    assert (wrong_key.status_code, no_such_vote.status_code) == (404, 404)
    assert wrong_key.json()["error"]["type"] == "not_found"
    assert "key" in wrong_key.json()["error"]["message"]
    with sqlite3.connect(settings.database_path) as connection:
        assert connection.execute("SELECT comment FROM feedback").fetchall() == [("",), ("",)]


def test_the_votes_key_never_reaches_the_staff_export(
    feedback_server: tuple[str, Settings],
) -> None:
    base, _ = feedback_server
    key = httpx.post(f"{base}/api/feedback", json=VOTE).json()["key"]
    export = httpx.get(
        f"{base}/api/feedback/export", headers={"Authorization": f"Bearer {STAFF_TOKEN}"}
    )
    assert key not in export.text


def test_the_export_starts_with_a_byte_order_mark_so_spreadsheets_read_utf8(
    feedback_server: tuple[str, Settings],
) -> None:
    base, _ = feedback_server
    comment = "“Fees” are in € — not clear for the Université"
    httpx.post(
        f"{base}/api/feedback",
        json={"rating": "down", "comment": comment, "question": "q", "answer": "a"},
    )

    export = httpx.get(
        f"{base}/api/feedback/export", headers={"Authorization": f"Bearer {STAFF_TOKEN}"}
    )

    assert export.content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    assert next(csv.reader(io.StringIO(export.content.decode("utf-8-sig")))) == list(EXPORT_COLUMNS)
    assert read_csv(export.text)[0]["comment"] == comment


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-token"}, {"Authorization": f"Basic {STAFF_TOKEN}"}],
    ids=["no token", "wrong token", "not a bearer token"],
)
def test_export_without_the_staff_token_is_401(
    feedback_server: tuple[str, Settings], headers: dict[str, str]
) -> None:
    base, _ = feedback_server

    response = httpx.get(f"{base}/api/feedback/export", headers=headers)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"]["type"] == "unauthorized"
    assert STAFF_TOKEN not in response.text


def test_export_is_403_when_the_server_has_no_staff_token(tmp_path: Path) -> None:
    app = create_app(settings_for(tmp_path, staff_token=None), ScriptedAssistant(), ui=False)
    with serve_in_thread(app) as base:
        response = httpx.get(f"{base}/api/feedback/export", headers={"Authorization": "Bearer x"})

    assert response.status_code == 403
    assert response.json()["error"]["type"] == "forbidden"
    assert "ASSISTANT_STAFF_TOKEN" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rating": "meh", "question": "q", "answer": "a"}, "rating"),
        ({"rating": "up", "answer": "a"}, "question"),
        ({"rating": "up", "question": "q", "answer": "a", "comment": "x" * 2001}, "comment"),
        ({"rating": "up", "question": "", "answer": ""}, "question"),
        ({"rating": "down", "question": "  ", "answer": "4400 euro"}, "question"),
        ({"rating": "down", "question": "q", "answer": "\u00a0\n"}, "answer"),
    ],
    ids=["rating", "no question", "comment", "blank vote", "blank question", "blank answer"],
)
def test_invalid_feedback_is_422_and_stores_nothing(
    feedback_server: tuple[str, Settings], body: dict[str, object], field: str
) -> None:
    base, settings = feedback_server

    response = httpx.post(f"{base}/api/feedback", json=body)

    assert response.status_code == 422
    assert field in response.json()["error"]["message"]
    assert FeedbackStore(settings.database_path).rows() == []


def test_a_body_that_is_not_json_is_answered_with_an_example_of_the_feedback_body(
    feedback_server: tuple[str, Settings],
) -> None:
    base, settings = feedback_server

    response = httpx.post(
        f"{base}/api/feedback",
        content=b'{"rating": "up", "question": ',
        headers={"content-type": "application/json"},
    )

    assert response.status_code == 422
    message = response.json()["error"]["message"]
    assert message.startswith("The request body is not valid JSON")
    assert '{"rating": "up", "question": "How much is the tuition fee?"' in message
    assert '"message"' not in message, "not the chat's body"
    assert FeedbackStore(settings.database_path).rows() == []


@pytest.mark.parametrize(
    ("path", "example"),
    [
        ("/api/chat", '{"message": "How much is the tuition fee?"}'),
        ("/api/draft-reply", '{"email": '),
        ("/v1/chat/completions", '"messages": [{"role": "user"'),
    ],
)
def test_each_route_names_its_own_body_when_the_json_is_broken(
    feedback_server: tuple[str, Settings], path: str, example: str
) -> None:
    base, _ = feedback_server

    response = httpx.post(
        f"{base}{path}",
        content=b"{not json",
        headers={"content-type": "application/json", "Authorization": f"Bearer {STAFF_TOKEN}"},
    )

    assert response.status_code in (400, 422)
    assert example in response.json()["error"]["message"]


# --------------------------------------------------------------------------- CSV injection

# What a spreadsheet would run: after a separator of some locale (Excel in Dutch or Belgian
# settings splits on ';'), after spaces or invisible characters, in full-width form.
INJECTIONS = [
    "x;=1+1",
    "x;=cmd|' /C calc'!A0",
    "=cmd|' /C calc'!A0",
    " =1+1",
    "\u200b=1+1",
    "\ufeff=1+1",
    "\u00a0=1+1",
    "\u2060\u200d -1+1",
    "x,=1+1",
    "x\t=1+1",
    "\t=1+1",
    "x|=1+1",
    "x;\u200b @SUM(A1)",
    'x;"=1+1"',
    "x\n=1+1",
    "x\r\n+1",
    "x\u2028=1+1",
    "x\u061b=1+1",
    "\uff1d1+1",
    "@SUM(A1)",
    "-2+3",
]
# A cell a spreadsheet reads from the start of, once it has skipped these.
_SKIPPED_CATEGORIES = ("Cf", "Cc", "Zs", "Zl", "Zp")
FORMULA_STARTS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def _shown(cell: str) -> str:
    """The cell as a spreadsheet looks for a formula in it: past spaces, quotes, invisibles."""
    skipped = 0
    while skipped < len(cell) and (
        cell[skipped].isspace()
        or cell[skipped] == '"'
        or unicodedata.category(cell[skipped]) in _SKIPPED_CATEGORIES
    ):
        skipped += 1
    return cell[skipped:]


def _staff_cookie(base: str) -> str:
    signed_in = httpx.post(
        f"{base}/staff/login", data={"token": STAFF_TOKEN}, follow_redirects=False
    )
    assert signed_in.status_code == 303
    return signed_in.cookies[STAFF_COOKIE]


def test_the_staff_download_runs_no_formula_in_a_spreadsheet_of_any_locale(
    feedback_server: tuple[str, Settings],
) -> None:
    base, _ = feedback_server
    for payload in INJECTIONS:
        vote = {"rating": "down", "comment": payload, "question": payload, "answer": payload}
        assert httpx.post(f"{base}/api/feedback", json=vote).status_code == 201

    download = httpx.get(f"{base}/api/feedback/export", cookies={STAFF_COOKIE: _staff_cookie(base)})

    assert download.status_code == 200
    text = download.content.decode("utf-8-sig")
    for delimiter in (",", ";", "\t", "|"):
        for row in csv.reader(io.StringIO(text), delimiter=delimiter):
            for cell in row:
                assert not _shown(cell).startswith(FORMULA_STARTS), (delimiter, cell)
    for line in text.splitlines():  # no reader that splits lines first finds one either
        for cell in line.split(";"):
            assert not _shown(cell).startswith(FORMULA_STARTS), cell


@pytest.mark.parametrize(
    ("stored", "exported"),
    [
        ("x;=1+1", "x;'=1+1"),
        (" =1+1", "' =1+1"),
        ("\u200b=1+1", "'\u200b=1+1"),
        ("a;b, c|d", "a;b, c|d"),
        ("4400 euro - not 4000", "4400 euro - not 4000"),
        ("x\n- a list", "x\n'- a list"),
    ],
)
def test_a_defused_comment_reads_as_written_after_its_quote_marks(
    tmp_path: Path, stored: str, exported: str
) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    record_feedback(store, rating="up", question="q", answer="a", comment=stored)

    text = store.export_csv()

    assert read_csv(text)[0]["comment"] == exported
    quoted = '"' + exported.replace('"', '""') + '"'
    assert quoted in text, "every field is quoted, so no separator inside it splits it"


# --------------------------------------------------------------------------- a broken store


def _corrupt(path: Path) -> None:
    path.write_bytes(b"this is not a SQLite database " * 200)


def _a_folder(path: Path) -> None:
    path.mkdir()


@contextlib.contextmanager
def _read_only(path: Path) -> Iterator[None]:
    """A feedback file even root cannot write: immutable (needs chattr and a filesystem for it)."""
    record_feedback(FeedbackStore(path), rating="up", question="q", answer="a")
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


@contextlib.contextmanager
def broken_feedback_db(path: Path, how: str) -> Iterator[None]:
    if how == "read-only":
        with _read_only(path):
            yield
        return
    {"corrupt": _corrupt, "a folder": _a_folder}[how](path)
    yield


@pytest.mark.slow
@pytest.mark.parametrize("how", ["corrupt", "read-only", "a folder"])
def test_a_broken_feedback_store_is_reported_as_such_and_health_is_degraded(
    index_settings: Settings, tmp_path: Path, how: str
) -> None:
    path = tmp_path / "feedback.sqlite3"
    env = {
        "ASSISTANT_STORE_DIR": str(index_settings.store_dir),
        "ASSISTANT_CORPUS_DIR": str(index_settings.corpus_dir),
        "ASSISTANT_DATABASE_PATH": str(path),
        "ASSISTANT_STAFF_TOKEN": STAFF_TOKEN,
        "ASSISTANT_RATE_LIMIT_PER_MINUTE": "0",
    }
    vote = {"rating": "up", "question": "How much is the fee?", "answer": "4400 euro"}
    with broken_feedback_db(path, how), serve_in_process(env, tmp_path / "server.log") as base:
        posted = httpx.post(f"{base}/api/feedback", json=vote, timeout=60)
        health = httpx.get(f"{base}/api/health", timeout=60)
        answer = httpx.post(
            f"{base}/api/chat",
            json={"message": "What IELTS score do I need for Leiden?"},
            timeout=60,
        )

    assert posted.status_code == 503
    error = posted.json()["error"]
    assert error["type"] == "feedback_unavailable"
    assert "feedback store" in error["message"] and "document store" not in error["message"]
    assert str(tmp_path) not in posted.text
    assert health.status_code == 200
    state = health.json()
    assert state["status"] == "degraded" and state["feedback"] == "unavailable"
    assert len(state["problems"]) == 1 and "feedback database" in state["problems"][0]
    assert state["documents"] == 5
    assert answer.status_code == 200 and "6.0" in answer.json()["text"]


def test_health_shows_a_working_feedback_store(feedback_server: tuple[str, Settings]) -> None:
    base, _ = feedback_server

    state = httpx.get(f"{base}/api/health").json()

    assert (state["status"], state["feedback"], state["problems"]) == ("ok", "ok", [])


def test_the_export_from_a_corrupt_feedback_store_is_503_naming_the_feedback_store(
    tmp_path: Path,
) -> None:
    settings = settings_for(tmp_path)
    settings.database_path.parent.mkdir(parents=True)
    _corrupt(settings.database_path)
    with serve_in_thread(create_app(settings, ScriptedAssistant(), ui=False)) as base:
        export = httpx.get(
            f"{base}/api/feedback/export", headers={"Authorization": f"Bearer {STAFF_TOKEN}"}
        )

    assert export.status_code == 503
    assert export.json()["error"]["type"] == "feedback_unavailable"
