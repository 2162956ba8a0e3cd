"""One database for what the assistant keeps: migrated on first use, a SQLite file by default,
PostgreSQL shared by several hosts; a feedback file from before it imported with every row."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from postgres import postgres_server
from server import STAFF_TOKEN, serve_in_process

from assistant.config import Settings
from assistant.database import METADATA, engine_for
from assistant.web.api.security import STAFF_COOKIE
from assistant.web.feedback import FeedbackStore, record_feedback


def columns_of(engine: sa.Engine) -> dict[str, set[str]]:
    inspector = sa.inspect(engine)
    return {
        table: {c["name"] for c in inspector.get_columns(table)}
        for table in inspector.get_table_names()
        if table != "alembic_version"
    }


def expected_columns() -> dict[str, set[str]]:
    return {table.name: {c.name for c in table.columns} for table in METADATA.sorted_tables}


def test_a_new_database_is_migrated_to_the_tables_the_code_uses(tmp_path: Path) -> None:
    engine = engine_for(f"sqlite:///{tmp_path / 'new' / 'assistant.sqlite3'}")

    assert columns_of(engine) == expected_columns()
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").all()


def old_feedback_file(path: Path) -> None:
    """A feedback file as the first release wrote it: no programme, conversation or key."""
    with sqlite3.connect(path) as connection:
        connection.execute(
            "CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL,"
            " rating TEXT NOT NULL, comment TEXT NOT NULL DEFAULT '', question TEXT NOT NULL,"
            " answer TEXT NOT NULL, sources TEXT NOT NULL DEFAULT '')"
        )
        connection.executemany(
            "INSERT INTO feedback VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (1, "2026-01-01T09:00:00+00:00", "up", "", "How much?", "4400 euro", "kul-bme"),
                (2, "2026-01-02T10:00:00+00:00", "down", "Last year's", "Deadline?", "1 March", ""),
                (
                    5,
                    "2026-01-03T11:00:00+00:00",
                    "down",
                    "",
                    "Housing?",
                    "Not in the documents",
                    "",
                ),
            ],
        )
    connection.close()


def test_a_feedback_file_from_before_the_database_is_imported_with_every_row_kept(
    tmp_path: Path,
) -> None:
    old = tmp_path / "feedback.sqlite3"
    old_feedback_file(old)
    before = hashlib.sha256(old.read_bytes()).hexdigest()
    store = FeedbackStore(tmp_path / "assistant.sqlite3")

    assert store.import_file(old) == 3
    assert store.import_file(old) == 0  # once: the database holds votes now

    assert [row[:6] for row in store.rows()] == [
        (1, "2026-01-01T09:00:00+00:00", "up", "", "How much?", "4400 euro"),
        (2, "2026-01-02T10:00:00+00:00", "down", "Last year's", "Deadline?", "1 March"),
        (5, "2026-01-03T11:00:00+00:00", "down", "", "Housing?", "Not in the documents"),
    ]
    new_id, _ = record_feedback(store, rating="up", question="q", answer="a")
    assert new_id == 6  # ids go on after the imported ones
    assert hashlib.sha256(old.read_bytes()).hexdigest() == before  # the file is left as it was


def test_a_file_that_is_no_feedback_file_imports_nothing(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE notes (text TEXT)")
    connection.close()
    store = FeedbackStore(tmp_path / "assistant.sqlite3")

    assert store.import_file(other) == 0
    assert store.import_file(tmp_path / "missing.sqlite3") == 0
    assert store.rows() == []


# --------------------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


def test_postgresql_is_migrated_to_the_same_tables(postgres_url: str) -> None:
    assert columns_of(engine_for(postgres_url)) == expected_columns()


@pytest.mark.slow
def test_two_servers_on_one_postgresql_database_share_votes_and_staff_sessions(
    postgres_url: str, index_settings: Settings, tmp_path: Path
) -> None:
    env = {
        "ASSISTANT_DATABASE_URL": postgres_url,
        "ASSISTANT_STORE_DIR": str(index_settings.store_dir),
        "ASSISTANT_CORPUS_DIR": str(index_settings.corpus_dir),
        "ASSISTANT_STAFF_TOKEN": STAFF_TOKEN,
        "ASSISTANT_RATE_LIMIT_PER_MINUTE": "0",
    }
    vote = {"rating": "down", "question": "Is there housing?", "answer": "Not in the documents."}
    with (
        serve_in_process(env, tmp_path / "a.log") as host_a,
        serve_in_process(env, tmp_path / "b.log") as host_b,
    ):
        posted = httpx.post(f"{host_a}/api/feedback", json=vote, timeout=30)
        assert posted.status_code == 201, posted.text
        signed_in = httpx.post(
            f"{host_a}/staff/login",
            data={"token": STAFF_TOKEN, "next": "/staff/"},
            follow_redirects=False,
        )
        cookie = {STAFF_COOKIE: signed_in.cookies[STAFF_COOKIE]}

        exported = httpx.get(f"{host_b}/api/feedback/export", cookies=cookie)
        assert exported.status_code == 200  # a session opened on one host holds on the other
        assert "Is there housing?" in exported.text  # a vote cast on one host, seen on the other

        httpx.post(f"{host_b}/staff/logout", cookies=cookie, follow_redirects=False)
        assert httpx.get(f"{host_a}/api/feedback/export", cookies=cookie).status_code == 401
