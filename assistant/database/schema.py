"""The tables, as the code reads and writes them (the migrations create and change them)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Float, Integer, MetaData, Table, Text

METADATA = MetaData()

feedback = Table(
    "feedback",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", Text, nullable=False),  # UTC, ISO 8601 to the second
    Column("rating", Text, nullable=False),
    Column("comment", Text, nullable=False, server_default=""),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("sources", Text, nullable=False, server_default=""),  # document ids, one per line
    Column("programme", Text, nullable=False, server_default=""),
    Column("conversation_id", Text, nullable=False, server_default=""),
    Column("edit_key", Text, nullable=False, server_default=""),  # lets the voter add a comment
    CheckConstraint("rating IN ('up', 'down')", name="feedback_rating"),
    sqlite_autoincrement=True,  # an id is never given twice, even after the last row goes
)

staff_session = Table(
    "staff_session",
    METADATA,
    Column("key", Text, primary_key=True),  # the session id's HMAC, keyed with the staff token
    Column("expires_at", Float, nullable=False),  # seconds since the epoch
    Column("account", Text, nullable=False, server_default=""),  # "": the shared staff token
)

staff_account = Table(
    "staff_account",
    METADATA,
    Column("name", Text, primary_key=True),  # as staff sign in with it, and as answers name them
    Column("password_hash", Text, nullable=False),  # Argon2id, with its salt and parameters
    Column("created_at", Text, nullable=False),
)

staff_answer = Table(
    "staff_answer",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("programme", Text, nullable=False, server_default=""),  # "": every programme
    Column("valid_until", Text, nullable=False, server_default=""),  # ISO date; "": no end
    Column("created_at", Text, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    Column("updated_by", Text, nullable=False),
    Column("retired_at", Text, nullable=False, server_default=""),  # "": in use
    sqlite_autoincrement=True,
)

staff_answer_change = Table(
    "staff_answer_change",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("answer_id", Integer, nullable=False, index=True),
    Column("at", Text, nullable=False),
    Column("author", Text, nullable=False),
    Column("action", Text, nullable=False),  # created, edited, retired
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("programme", Text, nullable=False),
    Column("valid_until", Text, nullable=False),
    sqlite_autoincrement=True,
)

unanswered_question = Table(
    "unanswered_question",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("asked_at", Text, nullable=False, index=True),  # UTC, ISO 8601 to the second
    Column("question", Text, nullable=False),  # e-mail addresses and phone numbers removed
    Column("programme", Text, nullable=False, server_default=""),  # "": none named
    sqlite_autoincrement=True,
)
